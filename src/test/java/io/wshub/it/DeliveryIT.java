package io.wshub.it;

import io.wshub.admin.ViewsOfDelivery;
import io.wshub.admin.client.AckedMessage;
import io.wshub.admin.client.WshubAdminClient;
import io.wshub.admin.client.WshubAdminException;
import io.wshub.it.AdminApi.Answer;
import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.wshub.it.AdminApi.assertProblem;
import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.push;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acknowledged delivery and offline messages on two real Payara Micro nodes and a real redis-server, with real
 * WebSocket clients: retries until acknowledged, 4004 / 504 when nobody acknowledges, acknowledgements crossing
 * nodes, messages stored for absent users and replayed once on the other node, after a restart of the node that
 * stored them, kept until acknowledged, bounded per user; the admin calls; bad input.
 */
class DeliveryIT {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "delivery-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());
    static final int MAX_PER_USER = 3;

    static RedisProcess redis;
    static PayaraNode a;
    static PayaraNode b;

    @BeforeAll
    static void start() {
        redis = new RedisProcess(Path.of("target", "delivery-it", "redis")).start();
        a = PayaraNode.launch("delivery-a", environment("delivery-a"));
        b = PayaraNode.launch("delivery-b", environment("delivery-b"));
        a.awaitReady();
        b.awaitReady();
    }

    static Map<String, String> environment(String nodeId) {
        Map<String, String> env = new HashMap<>();
        env.put("WSHUB_BUS", "redis");
        env.put("WSHUB_REDIS_URL", redis.url());
        env.put("WSHUB_NODE_ID", nodeId);
        env.put("WSHUB_ALLOW_QUERY_CLIENT_ID", "true");
        env.put("WSHUB_OFFLINE_ENABLED", "true");
        env.put("WSHUB_OFFLINE_MAX_PER_USER", Integer.toString(MAX_PER_USER));
        env.put("WSHUB_ACK_TIMEOUT", "1");
        env.put("WSHUB_ACK_RETRIES", "1");
        for (String line : TOKENS.mpJwtConfig().split("\n")) {
            String[] keyValue = line.split("=", 2);
            env.put(keyValue[0].toUpperCase().replace('.', '_'), keyValue[1]);
        }
        return env;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[]{a, b, redis}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
    }

    /** An anonymous client whose user id is {@code guest-<chosenId>}. */
    static WsClient connect(PayaraNode node, String chosenId) {
        return WsClient.connect(node.ws("?client_id=" + chosenId));
    }

    static WsClient connect(PayaraNode node) {
        return connect(node, unique("c"));
    }

    static Answer admin(PayaraNode node, String method, String path, String body) throws Exception {
        return new AdminApi(node.http("/api/"), ADMIN).call(method, path, body);
    }

    static JsonObject data(JsonObject frame) {
        return frame.getJsonObject("data");
    }

    static void ack(WsClient client, String ackId) {
        client.request("ack", TestData.data("ack_id", ackId));
    }

    /** (3) The target ignores two deliveries and acknowledges the third; sender on A, target on B. */
    @Test
    void aPushIsRedeliveredUntilAcknowledgedAcrossNodes() throws Exception {
        double redeliveries = a.metric("wshub_redeliveries_total", null);
        double acked = a.metric("wshub_acks_total", "result=\"acked\"");
        try (WsClient sender = connect(a); WsClient target = connect(b)) {
            long request = sender.request("direct_message", TestData.data("target_id", target.userId,
                    "content", "hello", "ack", true, "ack_timeout_ms", 600, "ack_retries", 3));
            JsonObject first = data(target.expect("direct_message"));
            String ackId = first.getString("ack_id");
            assertTrue(ackId.startsWith("delivery-a."), "the ack id names the sender's node: " + ackId);
            assertTrue(first.getBoolean("ack_required"));
            assertFalse(first.containsKey("redelivered"));
            assertEquals("hello", first.getString("content"));
            for (int delivery = 2; delivery <= 3; delivery++) {
                JsonObject again = data(target.expect("direct_message"));
                assertEquals(ackId, again.getString("ack_id"), "the same ack id on every delivery");
                assertTrue(again.getBoolean("redelivered"));
            }
            ack(target, ackId);
            JsonObject receipt = sender.expect("direct_acked");
            assertEquals(request, receipt.getJsonNumber("request_id").longValue());
            assertEquals(target.userId, data(receipt).getString("target_id"));
            assertEquals(target.clientId, data(receipt).getString("client_id"));
            assertEquals(ackId, data(receipt).getString("ack_id"));
            target.expectNothing(1500); // no fourth delivery
            sender.expectNothing(100);
        }
        assertEquals(redeliveries + 2, a.metric("wshub_redeliveries_total", null));
        assertEquals(acked + 1, a.metric("wshub_acks_total", "result=\"acked\""));
    }

    @Test
    void nobodyAcknowledgingIs4004AfterTheRetries() throws Exception {
        double timeouts = b.metric("wshub_acks_total", "result=\"timeout\"");
        try (WsClient sender = connect(b); WsClient target = connect(a)) {
            long request = sender.request("direct_message", TestData.data("target_id", target.userId,
                    "content", "ignored", "ack", true, "ack_timeout_ms", 300, "ack_retries", 1));
            String ackId = data(target.expect("direct_message")).getString("ack_id");
            assertEquals(ackId, data(target.expect("direct_message")).getString("ack_id"));
            JsonObject error = sender.expectError(4004);
            assertEquals(request, error.getJsonNumber("request_id").longValue());
            assertEquals("not acknowledged", data(error).getString("message"));
            target.expectNothing(500);
            // too late: ignored and counted, no receipt
            ack(target, ackId);
            sender.expectNothing(500);
        }
        assertEquals(timeouts + 1, b.metric("wshub_acks_total", "result=\"timeout\""));
    }

    @Test
    void theDefaultsComeFromConfiguration() {
        try (WsClient sender = connect(a); WsClient target = connect(b)) {
            sender.request("direct_message", TestData.data("target_id", target.userId, "content", "d", "ack", true));
            target.expect("direct_message");
            long start = System.nanoTime();
            assertTrue(data(target.expect("direct_message")).getBoolean("redelivered"));
            // WSHUB_ACK_TIMEOUT=1 (seconds), WSHUB_ACK_RETRIES=1: one redelivery, then 4004
            sender.expectError(4004);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 500, "a timeout in seconds");
        }
    }

    /** (3) The admin call waits: 200 once acknowledged (after ignored deliveries), 504 when nobody does. */
    @Test
    void theAdminCallWaitsForTheAcknowledgement() throws Exception {
        try (WsClient target = connect(b)) {
            CompletableFuture<Answer> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return admin(a, "POST", "users/" + target.userId + "/messages",
                            "{\"message_type\":\"invoice\",\"data\":{\"n\":1},\"ack\":{\"timeout_ms\":600,\"retries\":3}}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String ackId = data(target.expect("invoice")).getString("ack_id");
            assertTrue(data(target.expect("invoice")).getBoolean("redelivered"));
            JsonObject third = data(target.expect("invoice"));
            assertEquals(ackId, third.getString("ack_id"));
            assertEquals(1, third.getInt("n"));
            ack(target, ackId);
            Answer done = answer.get(20, TimeUnit.SECONDS);
            assertEquals(200, done.status(), done.body());
            assertTrue(done.json().getBoolean("acked"));
            assertEquals(target.clientId, done.json().getString("client_id"));
            assertEquals(ackId, done.json().getString("ack_id"));
            assertEquals(3, done.json().getInt("attempts"));

            Answer timedOut = admin(b, "POST", "users/" + target.userId + "/messages",
                    "{\"message_type\":\"invoice\",\"data\":{},\"ack\":{\"timeout_ms\":200,\"retries\":1}}");
            assertProblem(timedOut, 504);
            target.expect("invoice");
            target.expect("invoice");
        }
    }

    @Test
    void theTypedClientSendsAcknowledgedMessages() {
        WshubAdminClient hub = WshubAdminClient.connect(URI.create(a.http("").toString()), () -> ADMIN);
        try (WsClient target = connect(b)) {
            CompletableFuture<ViewsOfDelivery.Acknowledgement> answer = CompletableFuture.supplyAsync(() ->
                    hub.sendToUserAcked(target.userId, null, new AckedMessage("typed",
                            TestData.data("x", 1), new AckedMessage.Ack(5000L, 0))));
            String ackId = data(target.expect("typed")).getString("ack_id");
            ack(target, ackId);
            ViewsOfDelivery.Acknowledgement acknowledgement = answer.join();
            assertTrue(acknowledgement.acked());
            assertEquals(target.clientId, acknowledgement.clientId());
            assertEquals(1, acknowledgement.attempts());

            WshubAdminException refused = assertThrows(WshubAdminException.class, () -> hub.sendToUserAcked(
                    target.userId, null, new AckedMessage("typed", TestData.data(), new AckedMessage.Ack(100L, 0))));
            assertEquals(504, refused.status());
        }
        String absent = "guest-" + unique("typed-absent");
        ViewsOfDelivery.Acknowledgement stored = hub.sendToUserAcked(absent, null,
                new AckedMessage("typed", TestData.data()));
        assertTrue(stored.stored());
        assertFalse(stored.acked());
        assertEquals(1, hub.offline(absent).count());
        hub.clearOffline(absent);
        assertEquals(0, hub.offline(absent).count());
    }

    /** (4) Stored on A for an absent user, who then connects to B: it arrives once, marked offline, original time. */
    @Test
    void anOfflineMessageArrivesOnceOnTheOtherNode() throws Exception {
        String chosen = unique("absent");
        double stored = a.metric("wshub_offline_stored_total", null);
        double delivered = b.metric("wshub_offline_delivered_total", null);
        long sentAt;
        try (WsClient sender = connect(a)) {
            sentAt = System.currentTimeMillis();
            sender.request("direct_message", TestData.data("target_id", "guest-" + chosen, "content", "while away"));
            sender.expectNothing(500); // no 4001, no reply
        }
        assertEquals(stored + 1, a.metric("wshub_offline_stored_total", null));
        try (WsClient target = connect(b, chosen)) {
            JsonObject message = target.expect("direct_message");
            assertEquals("while away", data(message).getString("content"));
            assertTrue(data(message).getBoolean("offline"));
            long timestamp = data(message).getJsonNumber("timestamp").longValue();
            assertTrue(timestamp >= sentAt - 1000 && timestamp <= sentAt + 1000, "original timestamp " + timestamp);
            assertFalse(data(message).containsKey("ack_id"));
            target.expectNothing(500);
        }
        assertEquals(delivered + 1, b.metric("wshub_offline_delivered_total", null));
        try (WsClient again = connect(a, chosen)) {
            again.expectNothing(1000);
        }
    }

    /**
     * A connection that becomes the absent user by an in-band login gets the stored messages after logged_in. On node b
     * this login is the first token the node validates, on the selector that read it: it failed ("internal error
     * handling 'login'") while the container's identity store handler was made lazily (TokenValidator.start).
     */
    @Test
    void anOfflineMessageArrivesAfterAnInBandLogin() throws Exception {
        String user = unique("member");
        try (WsClient sender = connect(a)) {
            sender.request("direct_message", TestData.data("target_id", user, "content", "for after login"));
            sender.expectNothing(500);
        }
        try (WsClient guest = connect(b)) {
            guest.expectNothing(500); // a guest: nothing of the user's yet
            JsonObject loggedIn = guest.call("login", TestData.data("token", TOKENS.rs256(TestTokens.claims(user)
                    .build())), "logged_in");
            assertEquals(user, data(loggedIn).getString("user_id"));
            JsonObject message = guest.expect("direct_message");
            assertEquals("for after login", data(message).getString("content"));
            assertTrue(data(message).getBoolean("offline"));
            guest.expectNothing(500);
        }
        try (WsClient again = connect(a)) {
            again.call("login", TestData.data("token", TOKENS.rs256(TestTokens.claims(user).build())), "logged_in");
            again.expectNothing(1000); // delivered once
        }
    }

    @Test
    void anAcknowledgedMessageForAnAbsentUserIsStoredUntilAcknowledged() throws Exception {
        String chosen = unique("later");
        String user = "guest-" + chosen;
        try (WsClient sender = connect(a)) {
            long request = sender.request("direct_message", TestData.data("target_id", user, "content", "keep me",
                    "ack", true, "ack_timeout_ms", 200, "ack_retries", 1));
            JsonObject storedReply = sender.expect("direct_stored");
            assertEquals(request, storedReply.getJsonNumber("request_id").longValue());
            assertEquals(user, data(storedReply).getString("target_id"));
            String ackId = data(storedReply).getString("ack_id");
            assertTrue(ackId.startsWith("delivery-a."));
            sender.expectNothing(1000); // no 4004 while stored

            try (WsClient first = connect(b, chosen)) {
                JsonObject replayed = data(first.expect("direct_message"));
                assertEquals(ackId, replayed.getString("ack_id"));
                assertTrue(replayed.getBoolean("ack_required"));
                assertTrue(replayed.getBoolean("offline"));
                assertEquals("keep me", replayed.getString("content"));
            } // gone without acknowledging
            TestData.eventually("still stored", () -> offlineCount(b, user) == 1);

            try (WsClient second = connect(a, chosen)) {
                assertEquals(ackId, data(second.expect("direct_message")).getString("ack_id"));
                ack(second, ackId);
                JsonObject receipt = sender.expect("direct_acked");
                assertEquals(request, receipt.getJsonNumber("request_id").longValue());
                assertEquals(second.clientId, data(receipt).getString("client_id"));
                assertEquals(ackId, data(receipt).getString("ack_id"));
                assertEquals(user, data(receipt).getString("target_id"));
            }
            TestData.eventually("removed once acknowledged", () -> offlineCount(a, user) == 0);
            try (WsClient third = connect(b, chosen)) {
                third.expectNothing(800);
            }
        }
    }

    /** The same, acknowledged on node B while the sender sits on node A: the receipt crosses nodes. */
    @Test
    void aStoredMessageAcknowledgedOnAnotherNodeReachesTheSender() {
        String chosen = unique("cross");
        try (WsClient sender = connect(a)) {
            sender.call("direct_message", TestData.data("target_id", "guest-" + chosen, "content", "x",
                    "ack", true), "direct_stored");
            try (WsClient target = connect(b, chosen)) {
                String ackId = data(target.expect("direct_message")).getString("ack_id");
                ack(target, ackId);
                assertEquals(target.clientId, data(sender.expect("direct_acked")).getString("client_id"));
                ack(target, ackId); // already acknowledged: ignored
                sender.expectNothing(500);
            }
        }
    }

    static int offlineCount(PayaraNode node, String user) {
        try {
            return admin(node, "GET", "users/" + user + "/offline", null).json().getInt("count");
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void beyondMaxPerUserTheOldestIsDroppedAndAdminSeesAndClearsTheList() throws Exception {
        String chosen = unique("full");
        String user = "guest-" + chosen;
        double dropped = a.metric("wshub_offline_dropped_total", null);
        long first = 0;
        for (int i = 1; i <= MAX_PER_USER + 1; i++) {
            Answer stored = admin(a, "POST", "users/" + user + "/messages", push("note", TestData.data("n", i)));
            assertEquals(202, stored.status(), stored.body());
            assertTrue(stored.json().getBoolean("stored"));
            if (i == 2) {
                first = System.currentTimeMillis();
            }
            Thread.sleep(5);
        }
        assertEquals(dropped + 1, a.metric("wshub_offline_dropped_total", null));
        Answer offline = admin(b, "GET", "users/" + user + "/offline", null);
        assertEquals(200, offline.status(), offline.body());
        assertEquals(MAX_PER_USER, offline.json().getInt("count"));
        long oldest = offline.json().getJsonNumber("oldest_timestamp").longValue();
        assertTrue(oldest <= first && oldest > first - 2000, "the oldest kept is the second: " + oldest);
        try (WsClient target = connect(b, chosen)) {
            for (int n = 2; n <= MAX_PER_USER + 1; n++) {
                assertEquals(n, data(target.expect("note")).getInt("n"), "in order, the first dropped");
            }
            target.expectNothing(300);
        }
        assertEquals(0, admin(a, "GET", "users/" + user + "/offline", null).json().getInt("count"));

        admin(a, "POST", "users/" + user + "/messages", push("note", TestData.data("n", 9)));
        assertEquals(1, admin(b, "GET", "users/" + user + "/offline", null).json().getInt("count"));
        assertEquals(204, admin(b, "DELETE", "users/" + user + "/offline", null).status());
        assertFalse(admin(a, "GET", "users/" + user + "/offline", null).json().containsKey("oldest_timestamp"));
        try (WsClient target = connect(a, chosen)) {
            target.expectNothing(500);
        }
    }

    @Test
    void anAcknowledgedAdminMessageForAnAbsentUserIs202Stored() throws Exception {
        String user = "guest-" + unique("admin-absent");
        Answer stored = admin(a, "POST", "users/" + user + "/messages",
                "{\"message_type\":\"invoice\",\"data\":{},\"ack\":{\"timeout_ms\":5000,\"retries\":3}}");
        assertEquals(202, stored.status(), stored.body());
        assertTrue(stored.json().getBoolean("stored"));
        assertTrue(stored.json().getString("ack_id").startsWith("delivery-a."));
        assertEquals(204, admin(a, "DELETE", "users/" + user + "/offline", null).status());
        assertProblem(admin(a, "POST", "users/" + user + "/messages",
                "{\"message_type\":\"invoice\",\"ack\":\"soon\"}"), 400);
    }

    /** A message that only platform-scoped connections should get is not stored: 4001 as before. */
    @Test
    void aPlatformScopedMessageToAnAbsentUserIsNotStored() throws Exception {
        String user = "guest-" + unique("platform");
        assertProblem(admin(a, "POST", "users/" + user + "/messages?platform=ios", push("x", TestData.data())), 404);
        assertEquals(0, offlineCount(a, user));
    }

    /**
     * (4) Stored through node A, which then restarts: the message is in Redis, and A replays it. An SSE stream on the
     * stopping node gets {@code shutdown} (its {@code retry:} the reconnect delay), the close event and its end.
     */
    @Test
    void anOfflineMessageSurvivesARestartOfTheNodeThatStoredIt() throws Exception {
        String chosen = unique("restart");
        try (WsClient sender = connect(a)) {
            sender.request("direct_message", TestData.data("target_id", "guest-" + chosen, "content", "durable"));
            sender.expectNothing(300);
        }
        try (SseClient stream = SseClient.connect(a.http("/sse"), Map.of())) {
            a.stop();
            SseClient.Event shutdown = stream.expect("shutdown");
            assertEquals(shutdown.json().getJsonNumber("reconnect_after_ms").longValue(), shutdown.retry());
            JsonObject close = stream.expect("close").json();
            assertEquals(1012, close.getInt("code"));
            assertEquals("service restart", close.getString("reason"));
            stream.awaitEnd();
        }
        a = PayaraNode.launch("delivery-a", environment("delivery-a")).awaitReady();
        try (WsClient target = connect(a, chosen)) {
            JsonObject message = data(target.expect("direct_message"));
            assertEquals("durable", message.getString("content"));
            assertTrue(message.getBoolean("offline"));
            target.expectNothing(300);
        }
    }

    @Test
    void malformedFieldsAre1001AndTheConnectionStaysOpen() {
        try (WsClient client = connect(a); WsClient target = connect(a)) {
            for (JsonObject bad : List.of(
                    TestData.data("target_id", target.userId, "content", "x", "ack", "yes"),
                    TestData.data("target_id", target.userId, "content", "x", "ack", true, "ack_timeout_ms", -1),
                    TestData.data("target_id", target.userId, "content", "x", "ack", true, "ack_retries", "3"),
                    TestData.data("target_id", target.userId, "content", "x", "ack", true,
                            "ack_timeout_ms", Json.PROVIDER.createValue(1.5)))) {
                client.callError("direct_message", bad, 1001);
            }
            client.callError("ack", TestData.data(), 1001);
            client.callError("ack", TestData.data("ack_id", 5), 1001);
            target.expectNothing(200);
            assertFalse(client.isClosed());
            client.call("ping", TestData.data(), "pong");
        }
    }

    @Test
    void anUnknownAcknowledgementIsIgnoredAndCounted() throws Exception {
        double unknown = b.metric("wshub_acks_total", "result=\"unknown\"");
        try (WsClient client = connect(b)) {
            ack(client, "no-such-ack");
            ack(client, "delivery-b." + unique("never-sent"));
            client.expectNothing(500);
            assertFalse(client.isClosed());
            client.call("ping", TestData.data(), "pong");
        }
        assertEquals(unknown + 2, b.metric("wshub_acks_total", "result=\"unknown\""));
    }

    /** Only a connection of the push's user ends the wait: another user's ack of a leaked id is ignored. */
    @Test
    void anotherUsersAcknowledgementIsIgnored() throws Exception {
        double unknown = a.metric("wshub_acks_total", "result=\"unknown\"");
        try (WsClient sender = connect(a); WsClient target = connect(b); WsClient intruder = connect(b)) {
            sender.request("direct_message", TestData.data("target_id", target.userId, "content", "mine",
                    "ack", true, "ack_timeout_ms", 800, "ack_retries", 2));
            String ackId = data(target.expect("direct_message")).getString("ack_id");
            ack(intruder, ackId);
            assertTrue(data(target.expect("direct_message")).getBoolean("redelivered"), "still waiting");
            sender.expectNothing(100);
            ack(target, ackId);
            assertEquals(target.clientId, data(sender.expect("direct_acked")).getString("client_id"));
        }
        assertEquals(unknown + 1, a.metric("wshub_acks_total", "result=\"unknown\""));
    }

    @Test
    void everyAckIdIsDifferent() {
        try (WsClient sender = connect(a); WsClient target = connect(b)) {
            sender.request("direct_message", TestData.data("target_id", target.userId, "content", 1, "ack", true));
            sender.request("direct_message", TestData.data("target_id", target.userId, "content", 2, "ack", true));
            String one = data(target.expect("direct_message")).getString("ack_id");
            String two = data(target.expect("direct_message")).getString("ack_id");
            assertNotEquals(one, two);
            ack(target, one);
            ack(target, two);
            assertEquals(2, List.of(sender.expect("direct_acked"), sender.expect("direct_acked")).size());
        }
    }
}
