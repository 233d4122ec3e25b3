package io.wshub.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged WAR on its own Payara Micro process, started as README and docker-compose.yml start it (context root /,
 * --nocluster, payara-config's pre-boot commands) and configured only through environment variables.
 */
final class PayaraNode implements AutoCloseable {

    final int port;
    final Path log;
    private final Process process;

    private PayaraNode(int port, Path log, Process process) {
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Starts the process; {@link #awaitReady()} waits for it. */
    static PayaraNode launch(String name, Map<String, String> environment) {
        return launch(name, environment, "target/wshub.war");
    }

    /** Starts the process deploying {@code war} (e.g. the packaged WAR with test beans added). */
    static PayaraNode launch(String name, Map<String, String> environment, String war) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "nodes", name));
            Path log = dir.resolve("payara.log");
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-jar", System.getProperty("payara.microJar"),
                    "--nocluster", "--contextroot", "/", "--port", Integer.toString(port),
                    "--prebootcommandfile", "payara-config/pre-boot-commands.asadmin",
                    "--rootdir", dir.resolve("root").toString(),
                    "--deploy", war)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            return new PayaraNode(port, log, builder.start());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for "ready" and checks that nothing SEVERE was logged (a failed deployment still prints ready). */
    PayaraNode awaitReady() {
        return awaitReady(180);
    }

    /** {@link #awaitReady()} with another limit, for a class that boots several nodes at once on a busy machine. */
    PayaraNode awaitReady(int seconds) {
        try {
            String output = "";
            for (int i = 0; i < seconds * 2 && !output.contains("ready in"); i++) {
                Thread.sleep(500);
                output = Files.readString(log);
                assertTrue(process.isAlive(), "Payara Micro exited:\n" + output);
            }
            assertTrue(output.contains("ready in"), "Payara Micro did not start:\n" + output);
            assertFalse(output.contains("SEVERE"), output);
            return this;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI ws(String query) {
        return URI.create("ws://127.0.0.1:" + port + "/ws" + query);
    }

    URI http(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** SIGSTOP: the JVM stops in its tracks, as in a long GC pause or on a starved machine. */
    void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM and wait for the process to end: the node's graceful shutdown runs. */
    void stop() {
        process.destroy();
        waitFor();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no goodbye to Redis, as a crashed machine. */
    void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** This node's /metrics body (OpenMetrics text). */
    String metrics() throws Exception {
        return WsClient.HTTP.send(java.net.http.HttpRequest.newBuilder(http("/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of the samples of {@code name} whose line contains {@code labelFilter} (null: any; 0 when none). */
    double metric(String name, String labelFilter) throws Exception {
        return metrics().lines()
                .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .filter(line -> labelFilter == null || line.contains(labelFilter))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    @Override
    public void close() {
        process.destroy();
        if (!waitFor()) {
            process.destroyForcibly();
        }
    }

    private boolean waitFor() {
        try {
            return process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
