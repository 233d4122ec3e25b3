package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One room shared by a GoHub, a JSON-RPC, two go-ws clients and an SSE stream on two Payara Micro nodes with a real
 * Redis: each message reaches every other member once, in its own format, with the same meaning, the same sender and
 * the same history offset.
 */
class FormatsClusterIT {

    static RedisNodes cluster;
    static PayaraNode a;
    static PayaraNode b;

    @BeforeAll
    static void start() {
        cluster = RedisNodes.start("formats-cluster-it", Map.of("WSHUB_ROOMS_HISTORY_SIZE", "50"),
                "formats-a", "formats-b");
        a = cluster.node(0);
        b = cluster.node(1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static URI endpoint(PayaraNode node, String path) {
        return URI.create(node.http(path).toString().replaceFirst("^http", "ws"));
    }

    /** A JSON-RPC client subscribed to {@code room}. */
    static FrameClient jsonRpc(PayaraNode node, String room) {
        FrameClient client = FrameClient.connect(endpoint(node, "/ws/jsonrpc"));
        assertEquals("connected", client.nextObject().getString("method"));
        client.send("{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\",\"params\":{\"topics\":[\"" + room + "\"]},"
                + "\"id\":1}");
        assertEquals(Json.parse("[\"" + room + "\"]"), client.nextObject().getJsonObject("result").get("subscribed"));
        return client;
    }

    /** A go-ws client subscribed to {@code room}; its connected data. */
    static FrameClient goWs(PayaraNode node, String room, JsonObject[] connected) {
        FrameClient client = FrameClient.connect(endpoint(node, "/ws/channels"));
        connected[0] = client.nextObject().getJsonObject("data");
        client.send("{\"type\":\"subscribe\",\"channel\":\"" + room + "\",\"id\":\"s\"}");
        assertEquals(Json.parse("{\"id\":\"s\",\"type\":\"receive\"}"), client.nextObject());
        return client;
    }

    @Test
    void oneRoomFourFormatsTwoNodesEachMessageOnceInItsOwnFormat() {
        String room = unique("mixed");
        JsonObject[] first = new JsonObject[1];
        JsonObject[] second = new JsonObject[1];
        try (WsClient gohub = WsClient.connect(a.ws(""));
             FrameClient rpc = jsonRpc(b, room);
             FrameClient channelsA = goWs(a, room, first);
             FrameClient channelsB = goWs(b, room, second);
             SseClient sse = SseClient.connect(b.http("/sse?room=" + room), Map.of())) {
            gohub.call("join_room", data("room_id", room), "room_joined");
            assertEquals(room, sse.expect("room_joined").json().getString("room_id"));

            // GoHub content C: JSON-RPC params.data = C, go-ws message = C without data or meta
            JsonObject content = data("text", "from gohub");
            gohub.request("room_message", data("room_id", room, "content", content));
            JsonObject rpcMessage = rpc.nextObject();
            assertEquals("message", rpcMessage.getString("method"), rpcMessage.toString());
            JsonObject params = rpcMessage.getJsonObject("params");
            assertEquals(room, params.getString("topic"));
            assertEquals(content, params.get("data"));
            assertEquals(gohub.userId, params.getString("sender_id"));
            long offset = params.getJsonNumber("offset").longValue();
            JsonObject sseMessage = sse.expect("room_message").json(); // the GoHub push shape
            assertEquals(content, sseMessage.get("content"));
            assertEquals(gohub.userId, sseMessage.getString("sender_id"));
            assertEquals(offset, sseMessage.getJsonNumber("offset").longValue());
            for (FrameClient channels : List.of(channelsA, channelsB)) {
                JsonObject message = channels.nextObject();
                assertEquals("message", message.getString("type"), message.toString());
                assertEquals(room, message.getString("channel"));
                assertEquals(content, message.get("message"));
                assertFalse(message.containsKey("data") || message.containsKey("meta"), message.toString());
                assertEquals(gohub.clientId, message.getString("client"));
                assertEquals(gohub.userId, message.getString("sender_id"));
                assertEquals(offset, message.getJsonNumber("offset").longValue());
            }

            // JSON-RPC publish data D: GoHub content = D, go-ws message = D
            rpc.send("{\"jsonrpc\":\"2.0\",\"method\":\"publish\",\"params\":{\"topic\":\"" + room
                    + "\",\"data\":\"from rpc\"},\"id\":2}");
            assertEquals(Json.parse("{}"), rpc.nextObject().get("result"));
            JsonObject fromRpc = gohub.expect("room_message").getJsonObject("data");
            assertEquals("from rpc", fromRpc.getString("content"));
            assertEquals(offset + 1, fromRpc.getJsonNumber("offset").longValue());
            String rpcUser = fromRpc.getString("sender_id");
            JsonObject sseFromRpc = sse.expect("room_message").json();
            assertEquals("from rpc", sseFromRpc.getString("content"));
            assertEquals(rpcUser, sseFromRpc.getString("sender_id"));
            for (FrameClient channels : List.of(channelsA, channelsB)) {
                JsonObject message = channels.nextObject();
                assertEquals("from rpc", message.getString("message"), message.toString());
                assertEquals(rpcUser, message.getString("sender_id"));
            }

            // go-ws {message, data, meta}: go-ws unchanged, GoHub and JSON-RPC the object of the three
            channelsA.send("{\"id\":\"m1\",\"type\":\"message\",\"channel\":\"" + room + "\",\"message\":\"m\","
                    + "\"data\":{\"x\":1},\"meta\":{\"username\":\"u\"}}");
            assertEquals(Json.parse("{\"id\":\"m1\",\"type\":\"receive\"}"), channelsA.nextObject());
            JsonObject unchanged = channelsB.nextObject();
            assertEquals("m", unchanged.getString("message"));
            assertEquals(data("x", 1), unchanged.get("data"));
            assertEquals(data("username", "u"), unchanged.get("meta"));
            assertEquals(first[0].getString("client_id"), unchanged.getString("client"));
            JsonValue three = Json.parse("{\"message\":\"m\",\"data\":{\"x\":1},\"meta\":{\"username\":\"u\"}}");
            assertEquals(three, gohub.expect("room_message").getJsonObject("data").get("content"));
            assertEquals(three, rpc.nextObject().getJsonObject("params").get("data"));
            assertEquals(three, sse.expect("room_message").json().get("content"));

            // go-ws message alone: everyone else gets M itself
            channelsB.send("{\"id\":\"m2\",\"type\":\"message\",\"channel\":\"" + room + "\",\"message\":\"plain\"}");
            assertEquals(Json.parse("{\"id\":\"m2\",\"type\":\"receive\"}"), channelsB.nextObject());
            assertEquals("plain", gohub.expect("room_message").getJsonObject("data").getString("content"));
            assertEquals("plain", rpc.nextObject().getJsonObject("params").getString("data"));
            assertEquals("plain", sse.expect("room_message").json().getString("content"));
            JsonObject plain = channelsA.nextObject();
            assertEquals("plain", plain.getString("message"));
            assertEquals(second[0].getString("client_id"), plain.getString("client"));
            assertEquals(offset + 3, plain.getJsonNumber("offset").longValue());

            // once: nothing more for anyone, the senders' own messages included
            gohub.expectNothing(500);
            for (FrameClient client : List.of(rpc, channelsA, channelsB)) {
                client.expectNothing(200);
            }
            sse.expectNothing(200);
            assertTrue(offset > 0);
        }
    }
}
