package io.wshub.it;

import io.wshub.it.dup.DuplicateEchoHandler;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two handlers for one message type must fail the deployment with a message naming both classes. Payara Micro prints
 * "ready" even when a deployment failed, so this test starts it directly and reads its log.
 */
class DuplicateHandlerIT {

    @Test
    void duplicateMessageTypeFailsDeploymentNamingBothClasses() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "duplicate-handler-it"));
        File war = dir.resolve("dup.war").toFile();
        Deployments.hub("dup", "", DuplicateEchoHandler.class).as(ZipExporter.class).exportTo(war, true);
        Path log = dir.resolve("payara.log");
        int port = freePort();
        Process payara = new ProcessBuilder(javaBinary(), "-Xmx512m", "-jar", System.getProperty("payara.microJar"),
                "--nocluster", "--port", Integer.toString(port), "--deploy", war.getPath())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String output = "";
            for (int i = 0; i < 240 && !output.contains("ready in"); i++) {
                Thread.sleep(500);
                output = Files.readString(log);
            }
            assertTrue(output.contains("ready in"), "Payara Micro did not start:\n" + output);
            assertTrue(output.contains("wshub: message type 'echo' is handled by both "
                    + "io.wshub.messaging.EchoHandler and io.wshub.it.dup.DuplicateEchoHandler"), output);
            HttpResponse<String> response = WsClient.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/dup/ws")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, response.statusCode(), "the failed application must not serve its endpoint");
        } finally {
            payara.destroy();
            if (!payara.waitFor(30, TimeUnit.SECONDS)) {
                payara.destroyForcibly();
            }
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
