package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAR that `mvn package` builds, started the way the README and docker-compose.yml start it (context root /,
 * --nocluster, payara-config's pre-boot commands), configured through environment variables only.
 */
class PackagedWarIT {

    static PayaraNode node;
    static int port;

    @BeforeAll
    static void start() {
        node = PayaraNode.launch("packaged-war", Map.of("WSHUB_NODE_ID", "node-from-env",
                "WSHUB_ROOMS_AUTO_CREATE", "false")).awaitReady();
        port = node.port;
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void environmentVariablesConfigureTheHubAtTheRootContext() {
        try (WsClient client = WsClient.open(URI.create("ws://127.0.0.1:" + port + "/ws"))) {
            JsonObject connected = client.expect("connected");
            assertEquals("node-from-env", connected.getJsonObject("data").getString("node_id"));
            client.callError("join_room", TestData.data("room_id", "lobby"), 3000);
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

    /**
     * A client that sends its upgrade request and closes at once is never reported closed by the container; the hub's
     * first ping, a second after the connect, cannot be written and ends the connection, long before a ping interval
     * (25 s by default) has passed.
     */
    @Test
    void aClientGoneDuringTheUpgradeLeavesAtOnce() throws Exception {
        TestData.eventually("no connection left from other tests", 10_000,
                () -> metric("wshub_connections_current") == 0);
        double opened = metric("wshub_connections_total");
        for (int i = 0; i < 60; i++) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                // closed a few ms later without reading the 101 (so with a reset): seen to leave sessions that the
                // container never reports closed
                Thread.sleep(i % 10);
            }
        }
        TestData.eventually("the hub opened connections for the upgrades", 3_000,
                () -> metric("wshub_connections_total") > opened);
        TestData.eventually("connections of clients gone during the upgrade are closed within 5 s", 5_000,
                () -> metric("wshub_connections_current") == 0);
    }

    private static double metric(String name) {
        try {
            return TestData.metric(get("/metrics").body(), name);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return WsClient.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
