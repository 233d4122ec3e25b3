package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAR that `mvn package` builds, started the way the README and docker-compose.yml start it (context root /,
 * --nocluster, payara-config's pre-boot commands), configured through environment variables only.
 */
class PackagedWarIT {

    static Process payara;
    static Path log;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "packaged-war-it"));
        log = dir.resolve("payara.log");
        port = freePort();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", System.getProperty("payara.microJar"),
                "--nocluster", "--contextroot", "/", "--port", Integer.toString(port),
                "--prebootcommandfile", "payara-config/pre-boot-commands.asadmin",
                "--deploy", "target/wshub.war")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("WSHUB_NODE_ID", "node-from-env");
        builder.environment().put("WSHUB_ROOMS_AUTO_CREATE", "false");
        payara = builder.start();
        String output = "";
        for (int i = 0; i < 240 && !output.contains("ready in"); i++) {
            Thread.sleep(500);
            output = Files.readString(log);
        }
        assertTrue(output.contains("ready in"), "Payara Micro did not start:\n" + output);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (payara != null) {
            payara.destroy();
            if (!payara.waitFor(30, TimeUnit.SECONDS)) {
                payara.destroyForcibly();
            }
        }
    }

    @Test
    void startsWithoutSevereErrors() throws IOException {
        String output = Files.readString(log);
        assertFalse(output.contains("SEVERE"), output);
    }

    @Test
    void environmentVariablesConfigureTheHubAtTheRootContext() {
        try (WsClient client = WsClient.open(URI.create("ws://127.0.0.1:" + port + "/ws"))) {
            JsonObject connected = client.expect("connected");
            assertEquals("node-from-env", connected.getJsonObject("data").getString("node_id"));
            client.callError("join_room", HubIT.data("room_id", "lobby"), 3000);
        }
    }

    @Test
    void healthAndMetricsAreAtTheServerRoot() throws Exception {
        HttpResponse<String> ready = get("/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        JsonObject body = Json.parse(ready.body()).asJsonObject();
        assertEquals("UP", body.getString("status"));
        assertTrue(ready.body().contains("node-from-env"), ready.body());
        assertEquals(200, get("/health/live").statusCode());
        assertTrue(get("/metrics").body().contains("wshub_connections_current"));
    }

    @Test
    void preBootCommandsAreApplied() throws Exception {
        // Stock Payara Micro answers with "Server: Payara Micro"; the pre-boot commands turn it off.
        HttpResponse<String> response = get("/health");
        assertTrue(response.headers().firstValue("Server").isEmpty(), response.headers().toString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return WsClient.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
