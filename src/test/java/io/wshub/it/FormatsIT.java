package io.wshub.it;

import io.wshub.it.app.FailingHandler;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON-RPC 2.0 ({@code /ws/jsonrpc}) and go-ws ({@code /ws/channels}) endpoints on a real Payara Micro, spoken
 * with plain text frames exactly as bingo and go-ws clients send them: every JSON-RPC error, batches, notifications,
 * ids, bingo's methods and pushes; go-ws subscriptions, messages, confirmations and pings; tokens as on {@code /ws}.
 * One deployment for both formats.
 */
@ExtendWith(ArquillianExtension.class)
class FormatsIT extends DeployedHub {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "formats-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("formats", TOKENS.mpJwtConfig() + """
                wshub.node-id=formats-node
                wshub.max-message-bytes=4096
                wshub.rate-limit.direct_message=1
                wshub.session.single-per-platform=true
                """, FailingHandler.class);
    }

    URI endpoint(String path) {
        return URI.create(base.toString().replaceFirst("^http", "ws") + path);
    }

    /** A JSON-RPC client, its {@code connected} notification read; the connected params. */
    FrameClient rpcClient(Map<String, String> headers, JsonObject[] connected) {
        FrameClient client = FrameClient.connect(endpoint("ws/jsonrpc"), headers);
        JsonObject first = client.nextObject();
        assertEquals("2.0", first.getString("jsonrpc"));
        assertEquals("connected", first.getString("method"), first.toString());
        assertFalse(first.containsKey("id"));
        if (connected != null) {
            connected[0] = first.getJsonObject("params");
        }
        return client;
    }

    FrameClient rpcClient() {
        return rpcClient(Map.of(), null);
    }

    static String request(String method, String params, String id) {
        return "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\"" + (params == null ? "" : ",\"params\":" + params)
                + (id == null ? "" : ",\"id\":" + id) + "}";
    }

    /** Sends a request and returns its response, checking it answers {@code id} exactly. */
    static JsonObject call(FrameClient client, String method, String params, String id) {
        client.send(request(method, params, id));
        JsonObject response = client.nextObject();
        assertEquals("2.0", response.getString("jsonrpc"), response.toString());
        assertEquals(Json.parse(id), response.get("id"), response.toString());
        return response;
    }

    static JsonObject result(FrameClient client, String method, String params, String id) {
        JsonObject response = call(client, method, params, id);
        assertTrue(response.containsKey("result"), response.toString());
        assertFalse(response.containsKey("error"), response.toString());
        return response.getJsonObject("result");
    }

    /** The error object of a response, checking its JSON-RPC code, its reason and its wshub code. */
    static JsonObject assertError(JsonObject response, int code, int wshubCode) {
        assertFalse(response.containsKey("result"), response.toString());
        JsonObject error = response.getJsonObject("error");
        assertEquals(code, error.getInt("code"), response.toString());
        assertFalse(error.getString("reason").isBlank(), response.toString());
        assertFalse(error.getString("message").isBlank(), response.toString());
        assertEquals(wshubCode, error.getJsonObject("data").getInt("wshub_code"), response.toString());
        return error;
    }

    @Test
    void jsonRpcConnectsLikeEveryFormatAndEchoesIdsExactly() {
        JsonObject[] connected = new JsonObject[1];
        try (FrameClient client = rpcClient(Map.of(), connected)) {
            assertEquals("formats-node", connected[0].getString("node_id"));
            assertTrue(connected[0].getString("user_id").startsWith("guest-"));
            assertEquals(Json.parse("{\"a\":[1,\"two\"]}"), result(client, "echo", "{\"a\":[1,\"two\"]}", "\"x-1\""));
            assertEquals(Json.parse("{}"), result(client, "echo", null, "7"));
            result(client, "echo", "{}", "12345678901234");
            long before = System.currentTimeMillis();
            long serverTime = result(client, "heartbeat", null, "\"hb\"").getJsonNumber("server_time").longValue();
            assertTrue(serverTime >= before - 1000 && serverTime <= System.currentTimeMillis() + 1000);
        }
    }

    @Test
    void everyJsonRpcErrorIsAnsweredAndTheConnectionStaysOpen() {
        try (FrameClient client = rpcClient()) {
            client.send("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1");
            JsonObject parse = client.nextObject();
            assertEquals(JsonValue.NULL, parse.get("id"));
            assertEquals("ParseError", assertError(parse, -32700, 1001).getString("reason"));

            client.send("{\"method\":\"echo\",\"id\":2}");
            assertError(client.nextObject(), -32600, 1001);
            client.send("{\"jsonrpc\":\"2.0\",\"method\":1,\"params\":\"bar\"}");
            JsonObject invalid = client.nextObject();
            assertEquals(JsonValue.NULL, invalid.get("id"));
            assertError(invalid, -32600, 1001);
            client.send("[]");
            JsonObject emptyBatch = client.nextObject();
            assertEquals(JsonValue.NULL, emptyBatch.get("id"));
            assertError(emptyBatch, -32600, 1001);

            assertEquals("MethodNotFound", assertError(call(client, "no.such.method", null, "3"), -32601, 1006)
                    .getString("reason"));
            assertError(call(client, "echo", "[1,2]", "4"), -32602, 1001);
            assertError(call(client, "publish", "{\"data\":1}", "5"), -32602, 1001);
            assertError(call(client, "subscribe", "{\"topics\":\"a\"}", "6"), -32602, 1001);
            assertError(call(client, "test_fail", null, "7"), -32603, 1003);
            assertError(call(client, "publish", "{\"topic\":\"" + unique("nobody") + "\",\"data\":1}", "8"),
                    -32003, 3003);
            assertError(call(client, "auth.login", "{\"accessToken\":\"" + TOKENS.tampered("x") + "\"}", "9"),
                    -32001, 2003);

            assertEquals(Json.parse("{\"ok\":true}"), result(client, "echo", "{\"ok\":true}", "10"));
        }
    }

    @Test
    void notificationsAreNeverAnsweredEvenWhenTheyFail() {
        try (FrameClient client = rpcClient()) {
            client.send(request("echo", "{\"n\":1}", null));
            client.send(request("no.such.method", null, null));
            client.send(request("echo", "[1]", null));
            client.send(request("test_fail", null, null));
            client.send(request("heartbeat", null, null));
            assertEquals(Json.parse("{\"n\":2}"), result(client, "echo", "{\"n\":2}", "\"after\""));
            client.expectNothing(300);
        }
    }

    @Test
    void aBatchGetsOneArrayOfTheResponsesToItsRequests() {
        try (FrameClient client = rpcClient()) {
            client.send("[" + request("echo", "{\"n\":1}", "1") + "," + request("echo", "{\"n\":2}", null) + ","
                    + "{\"foo\":\"boo\"}," + request("nope", null, "\"b\"") + ","
                    + request("heartbeat", null, "2.5") + "]");
            JsonArray responses = client.next().asJsonArray();
            assertEquals(4, responses.size(), responses.toString());
            assertEquals(1, responses.getJsonObject(0).getInt("id"));
            assertEquals(Json.parse("{\"n\":1}"), responses.getJsonObject(0).get("result"));
            assertEquals(JsonValue.NULL, responses.getJsonObject(1).get("id"));
            assertError(responses.getJsonObject(1), -32600, 1001);
            assertEquals("b", responses.getJsonObject(2).getString("id"));
            assertError(responses.getJsonObject(2), -32601, 1006);
            assertEquals(Json.parse("2.5"), responses.getJsonObject(3).get("id"));
            assertTrue(responses.getJsonObject(3).getJsonObject("result").containsKey("server_time"));

            client.send("[" + request("echo", null, null) + "," + request("heartbeat", null, null) + "]");
            client.expectNothing(500);
        }
    }

    @Test
    void bingoLogsInSubscribesPublishesAndUnsubscribes() {
        String topic = unique("group");
        String alice = unique("alice");
        try (FrameClient publisher = rpcClient();
             FrameClient subscriber = rpcClient(Map.of("token", TOKENS.valid(unique("bob"))), null)) {
            JsonObject login = result(publisher, "auth.login", "{\"accessToken\":\"" + TOKENS.valid(alice)
                    + "\",\"platform\":\"web\"}", "1");
            assertEquals(alice, login.getString("user_id"));
            assertTrue(login.getJsonNumber("expires_at").longValue() > System.currentTimeMillis());

            String topics = "{\"topics\":[\"" + topic + "\"]}";
            JsonObject subscribed = result(publisher, "subscribe", topics, "2");
            assertEquals(Json.parse("[\"" + topic + "\"]"), subscribed.get("subscribed"));
            assertEquals(Json.parse("{}"), subscribed.get("failed"));
            result(subscriber, "subscribe", topics, "\"s\"");

            assertEquals(Json.parse("{}"), result(publisher, "publish", "{\"topic\":\"" + topic
                    + "\",\"data\":{\"text\":\"hi\"}}", "3"));
            JsonObject message = subscriber.nextObject();
            assertEquals("message", message.getString("method"), message.toString());
            assertFalse(message.containsKey("id"));
            assertEquals(Json.parse("{\"topic\":\"" + topic + "\",\"data\":{\"text\":\"hi\"},\"sender_id\":\""
                    + alice + "\"}"), message.get("params"));
            publisher.expectNothing(300);
            // "method with dots = wshub type": history and presence without anything JSON-RPC-specific
            JsonObject history = result(publisher, "history", "{\"room_id\":\"" + topic + "\"}", "\"h\"");
            assertEquals(topic, history.getString("room_id"), history.toString());
            assertTrue(history.containsKey("messages"), history.toString());
            JsonObject stats = result(publisher, "presence.stats", "{\"room_id\":\"" + topic + "\"}", "\"p\"");
            assertEquals(Json.parse("{\"room_id\":\"" + topic + "\",\"clients\":2,\"users\":2}"), stats);
            JsonObject status = result(publisher, "user.status", "{\"user_ids\":[\"" + alice + "\"]}", "\"s\"");
            assertTrue(status.getJsonObject("statuses").getJsonObject(alice).getBoolean("online"), status.toString());

            assertEquals(Json.parse("[\"" + topic + "\"]"),
                    result(subscriber, "unsubscribe", topics, "\"u\"").get("unsubscribed"));
            result(publisher, "publish", "{\"topic\":\"" + topic + "\",\"data\":2}", "4");
            subscriber.expectNothing(500);
        }
    }

    @Test
    void aTopicThePermissionsDenyIsListedAsFailed() {
        String allowed = unique("ok");
        String denied = unique("no");
        String token = TOKENS.rs256(TestTokens.claims(unique("reader"))
                .add("permissions", Json.PROVIDER.createArrayBuilder().add("join:ok-*")).build());
        try (FrameClient client = rpcClient(Map.of("Authorization", "Bearer " + token), null)) {
            JsonObject answer = result(client, "subscribe", "{\"topics\":[\"" + allowed + "\",\"" + denied + "\"]}",
                    "1");
            assertEquals(Json.parse("[\"" + allowed + "\"]"), answer.get("subscribed"));
            JsonObject failed = answer.getJsonObject("failed").getJsonObject(denied);
            assertEquals(-32003, failed.getInt("code"), answer.toString());
            assertEquals(2001, failed.getJsonObject("data").getInt("wshub_code"));
        }
    }

    @Test
    void directMessagesBackendPushesAndRateLimitsPerOperation() throws Exception {
        String bob = unique("bob");
        try (FrameClient sender = rpcClient(); FrameClient receiver = rpcClient(Map.of("token", TOKENS.valid(bob)),
                null)) {
            assertEquals(Json.parse("{}"), result(sender, "message.send", "{\"to_user\":\"" + bob
                    + "\",\"data\":{\"text\":\"psst\"}}", "1"));
            JsonObject direct = receiver.nextObject();
            assertEquals("message.direct", direct.getString("method"), direct.toString());
            assertEquals(Json.parse("{\"text\":\"psst\"}"), direct.getJsonObject("params").get("data"));
            assertTrue(direct.getJsonObject("params").getString("sender_id").startsWith("guest-"));

            // wshub.rate-limit.direct_message=1 (burst 2) limits message.send
            result(sender, "message.send", "{\"to_user\":\"" + bob + "\",\"data\":2}", "2");
            assertError(call(sender, "message.send", "{\"to_user\":\"" + bob + "\",\"data\":3}", "3"), -32029, 1005);

            try (FrameClient other = rpcClient()) {
                // platform narrows the receivers: bob has no ios connection
                assertError(call(other, "message.send", "{\"to_user\":\"" + bob + "\",\"data\":4,"
                        + "\"platform\":\"ios\"}", "5"), -32004, 4001);
                assertError(call(other, "message.send", "{\"to_user\":\"" + bob + "\",\"data\":4,"
                        + "\"platform\":\"fridge\"}", "6"), -32602, 1001);
            }

            AdminApi.Answer pushed = new AdminApi(base.resolve("api/"), ADMIN).call("POST",
                    "users/" + bob + "/messages", "{\"message_type\":\"order.created\",\"data\":{\"order\":9}}");
            assertEquals(202, pushed.status(), pushed.body());
            JsonObject order = nextNotification(receiver, "order.created");
            assertEquals(Json.parse("{\"order\":9}"), order.get("params"));
        }
    }

    /** The next notification of {@code method}, past direct messages still arriving. */
    static JsonObject nextNotification(FrameClient client, String method) {
        for (int i = 0; i < 5; i++) {
            JsonObject frame = client.nextObject();
            if (method.equals(frame.getString("method", null))) {
                return frame;
            }
        }
        throw new AssertionError("no '" + method + "' notification");
    }

    @Test
    void aReplacedSessionIsKickedInItsOwnFormat() {
        String user = unique("erin");
        Map<String, String> token = Map.of("token", TOKENS.valid(user));
        try (FrameClient rpc = FrameClient.connect(endpoint("ws/jsonrpc?platform=ios"), token)) {
            assertEquals("connected", rpc.nextObject().getString("method"));
            try (FrameClient channels = goWsClient("?platform=ios", token, null)) {
                JsonObject kicked = rpc.nextObject();
                assertEquals("session.kicked", kicked.getString("method"), kicked.toString());
                assertFalse(kicked.getJsonObject("params").getString("reason").isBlank());
                assertEquals(4000, rpc.awaitClose(10_000));
                try (FrameClient again = FrameClient.connect(endpoint("ws/jsonrpc?platform=ios"), token)) {
                    assertEquals("connected", again.nextObject().getString("method"));
                    JsonObject goWsKicked = channels.nextObject();
                    assertEquals("session_kicked", goWsKicked.getString("type"), goWsKicked.toString());
                    assertFalse(goWsKicked.getJsonObject("data").getString("reason").isBlank());
                    assertEquals(4000, channels.awaitClose(10_000));
                }
            }
        }
    }

    @Test
    void aFrameOverTheLimitIsRefusedAsOnWs() {
        try (FrameClient client = rpcClient()) {
            client.send(request("echo", "{\"big\":\"" + "x".repeat(5000) + "\"}", "1"));
            assertError(client.nextObject(), -32013, 4002);
            assertEquals(1009, client.awaitClose(10_000));
        }
    }

    // go-ws channel frames

    /** A go-ws client, its {@code connected} frame read; its data. */
    FrameClient goWsClient(String query, Map<String, String> headers, JsonObject[] connected) {
        FrameClient client = FrameClient.connect(endpoint("ws/channels" + query), headers);
        JsonObject first = client.nextObject();
        assertEquals("connected", first.getString("type"), first.toString());
        assertFalse(first.getString("id").isEmpty());
        if (connected != null) {
            connected[0] = first.getJsonObject("data");
        }
        return client;
    }

    static void expectReceive(FrameClient client, String id) {
        assertEquals(Json.parse("{\"id\":\"" + id + "\",\"type\":\"receive\"}"), client.nextObject());
    }

    @Test
    void goWsSubscribesSendsToEveryOtherSubscriberAndReallyUnsubscribes() {
        String channel = unique("channel");
        String carol = unique("carol");
        JsonObject[] senderInfo = new JsonObject[1];
        try (FrameClient sender = goWsClient("", Map.of("token", TOKENS.valid(carol)), senderInfo);
             FrameClient receiver = goWsClient("", Map.of(), null)) {
            assertEquals(carol, senderInfo[0].getString("user_id"));
            sender.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":\"1700000000001\"}");
            expectReceive(sender, "1700000000001");
            receiver.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":\"r1\"}");
            expectReceive(receiver, "r1");

            sender.send("{\"id\":\"m1\",\"type\":\"message\",\"channel\":\"" + channel + "\",\"message\":\"hello\","
                    + "\"meta\":{\"username\":\"carol\"}}");
            expectReceive(sender, "m1");
            JsonObject message = receiver.nextObject();
            assertEquals("message", message.getString("type"));
            assertEquals(channel, message.getString("channel"));
            assertEquals("hello", message.getString("message"));
            assertEquals(Json.parse("{\"username\":\"carol\"}"), message.get("meta"));
            assertEquals(senderInfo[0].getString("client_id"), message.getString("client"));
            assertEquals(carol, message.getString("sender_id"));
            assertFalse(message.getString("id").isEmpty());
            sender.expectNothing(300);

            receiver.send("{\"type\":\"unsubscribe\",\"channel\":\"" + channel + "\",\"id\":\"r2\"}");
            expectReceive(receiver, "r2");
            sender.send("{\"id\":\"m2\",\"type\":\"message\",\"channel\":\"" + channel + "\",\"message\":\"gone\"}");
            expectReceive(sender, "m2");
            receiver.expectNothing(500);

            receiver.send("{\"type\":\"ping\"}");
            assertEquals(Json.parse("{\"type\":\"pong\"}"), receiver.nextObject());
        }
    }

    @Test
    void everyMalformedGoWsFrameIsAnErrorAndTheConnectionStaysOpen() {
        try (FrameClient client = goWsClient("", Map.of(), null)) {
            for (String frame : new String[]{"not json", "[1]", "{\"id\":\"a\"}",
                    "{\"id\":\"b\",\"type\":\"subscribe\"}", "{\"id\":\"c\",\"type\":\"message\",\"channel\":\"x\"}"}) {
                client.send(frame);
                JsonObject error = client.nextObject();
                assertEquals("error", error.getString("type"), frame);
                assertEquals(1001, error.getInt("code"), frame);
                assertFalse(error.getString("message").isBlank());
            }
            client.send("{\"id\":\"d\",\"type\":\"message\",\"channel\":\"" + unique("none") + "\",\"message\":1}");
            JsonObject notMember = client.nextObject();
            assertEquals(Json.parse("\"d\""), notMember.get("id"));
            assertEquals(3003, notMember.getInt("code"));
            client.send("{\"id\":\"e\",\"type\":\"nope\"}");
            assertEquals(1006, client.nextObject().getInt("code"));
            client.send("{\"type\":\"ping\",\"id\":\"p\"}");
            assertEquals("pong", client.nextObject().getString("type"));
        }
    }

    @Test
    void metricsCountConnectionsByProtocol() throws Exception {
        try (FrameClient rpc = rpcClient(); FrameClient channels = goWsClient("", Map.of(), null);
             WsClient gohub = WsClient.connect(ws())) {
            for (String protocol : new String[]{"jsonrpc", "gows", "gohub"}) {
                assertTrue(protocolConnections(protocol) >= 1, protocol);
            }
        }
    }

    double protocolConnections(String protocol) throws Exception {
        for (String line : http("/metrics").body().split("\n")) {
            if (line.startsWith("wshub_protocol_connections_total{") && line.contains("protocol=\"" + protocol + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no wshub_protocol_connections_total of " + protocol);
    }

    @Test
    void theQueryTokenIsIgnoredUnlessEnabled() {
        JsonObject[] connected = new JsonObject[1];
        try (FrameClient client = goWsClient("?token=" + TOKENS.valid(unique("dave")), Map.of(), connected)) {
            assertTrue(connected[0].getString("user_id").startsWith("guest-"), connected[0].toString());
        }
    }
}
