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

    private static HttpResponse<String> get(String path) throws Exception {
        return WsClient.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
