package io.wshub.it;

import io.wshub.it.AdminApi.Answer;
import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.wshub.it.TestData.eventuallyHolds;
import static io.wshub.it.AdminApi.assertProblem;
import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.push;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Room history and recovery on real Payara Micro nodes (the packaged WAR) sharing a real redis-server: offsets and
 * epochs in pushes and {@code room_joined}, the {@code history} request and its admin twin, recovery after a dropped
 * connection on the same node and on the other one while the room keeps publishing (a replay far larger than the send
 * queue), a new epoch when Redis loses the stream or the room is deleted and created again, idempotent publishing,
 * auto-created rooms that outlive their last member, and the metrics.
 */
class HistoryIT {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "history-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());
    static final int HISTORY_SIZE = 5000;
    /** Small, so that a replay of hundreds of messages only passes if it is paced. */
    static final int MAX_FRAMES = 200;
    static final int MAX_MESSAGE_BYTES = 65536;

    static RedisProcess redis;
    static PayaraNode a;
    static PayaraNode b;

    @BeforeAll
    static void start() {
        redis = new RedisProcess(Path.of("target", "history-it", "redis")).start();
        a = PayaraNode.launch("history-a", environment("node-a"));
        b = PayaraNode.launch("history-b", environment("node-b"));
        a.awaitReady();
        b.awaitReady();
    }

    static Map<String, String> environment(String nodeId) {
        Map<String, String> env = new HashMap<>();
        env.put("WSHUB_BUS", "redis");
        env.put("WSHUB_REDIS_URL", redis.url());
        env.put("WSHUB_NODE_ID", nodeId);
        env.put("WSHUB_CLUSTER_NODE_TTL", "3");
        env.put("WSHUB_ROOMS_HISTORY_SIZE", Integer.toString(HISTORY_SIZE));
        env.put("WSHUB_ROOMS_HISTORY_TTL", "300");
        env.put("WSHUB_SEND_QUEUE_MAX_FRAMES", Integer.toString(MAX_FRAMES));
        env.put("WSHUB_MAX_MESSAGE_BYTES", Integer.toString(MAX_MESSAGE_BYTES));
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

    // ------------------------------------------------------------------ helpers

    static WsClient connect(PayaraNode node) {
        return WsClient.connect(node.ws(""));
    }

    static Answer admin(PayaraNode node, String method, String path, String body) throws Exception {
        return new AdminApi(node.http("/api/"), ADMIN).call(method, path, body);
    }

    /** Joins and returns {@code room_joined}'s data. */
    static JsonObject join(WsClient client, String room) {
        JsonObject joined = client.call("join_room", data("room_id", room), "room_joined").getJsonObject("data");
        assertEquals(room, joined.getString("room_id"));
        assertEquals("joined", joined.getString("status"));
        return joined;
    }

    /** Joins with {@code recover} and returns {@code room_joined}'s data. */
    static JsonObject recover(WsClient client, String room, long offset, String epoch) {
        JsonObject joined = client.call("join_room", data("room_id", room, "recover",
                data("offset", offset, "epoch", epoch)), "room_joined").getJsonObject("data");
        assertEquals(room, joined.getString("room_id"));
        assertEquals("joined", joined.getString("status"));
        return joined;
    }

    static long offsetOf(JsonObject frame) {
        return frame.getJsonObject("data").getJsonNumber("offset").longValue();
    }

    /** The next frame is a {@code room_message} with this content and offset. */
    static JsonObject expectRoomMessage(WsClient client, String content, long offset) {
        JsonObject message = client.expect("room_message");
        assertEquals(content, message.getJsonObject("data").getString("content"), message.toString());
        assertEquals(offset, offsetOf(message), message.toString());
        return message;
    }

    static String createRoom(PayaraNode node, Integer historySize) throws Exception {
        String room = unique("created");
        String body = historySize == null ? "{\"room_id\":\"" + room + "\"}"
                : "{\"room_id\":\"" + room + "\",\"history_size\":" + historySize + "}";
        Answer created = admin(node, "POST", "rooms", body);
        assertEquals(201, created.status(), created.body());
        return room;
    }

    static JsonObject adminPublish(PayaraNode node, String room, String type, JsonObject data, String key)
            throws Exception {
        var body = Json.object().add("message_type", type).add("data", data);
        if (key != null) {
            body.add("idempotency_key", key);
        }
        Answer answer = admin(node, "POST", "rooms/" + room + "/messages", body.build().toString());
        assertEquals(202, answer.status(), answer.body());
        return answer.json();
    }

    static JsonObject history(WsClient client, JsonObject request) {
        JsonObject reply = client.call("history", request, "history").getJsonObject("data");
        assertEquals(request.getString("room_id"), reply.getString("room_id"));
        return reply;
    }

    static List<Long> offsets(JsonObject historyReply) {
        return historyReply.getJsonArray("messages").stream()
                .map(m -> m.asJsonObject().getJsonNumber("offset").longValue()).toList();
    }

    static List<Long> range(long from, long to) {
        List<Long> range = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            range.add(i);
        }
        return range;
    }

    // ------------------------------------------------------------------ 1. recovery mid-stream

    @Test
    void aDroppedMemberRecoversEveryMissedMessageOnTheSameNode() throws Exception {
        recoverMidStream(a, a);
    }

    @Test
    void aDroppedMemberRecoversEveryMissedMessageOnTheOtherNode() throws Exception {
        recoverMidStream(a, b);
    }

    /**
     * A publisher pipelines 2,000 messages; a member drops its TCP connection (no close, no leave) after 100 of them
     * and comes back on {@code rejoinOn} with {@code recover}, while the second half is still being published. It
     * receives offsets 101..2000 exactly once, in order, with the contents sent, without being closed as a slow
     * consumer (the replay is several times the send queue's 200 frames), then live messages.
     */
    private void recoverMidStream(PayaraNode memberOn, PayaraNode rejoinOn) throws Exception {
        String room = unique("recover");
        int total = 2000;
        int half = total / 2;
        int receivedBeforeDrop = 100;
        try (WsClient publisher = connect(a); WsClient watcher = connect(b)) {
            WsClient member = connect(memberOn);
            JsonObject joined = join(member, room);
            assertEquals(0, joined.getJsonNumber("offset").longValue(), joined.toString());
            String epoch = joined.getString("epoch");
            assertFalse(epoch.isEmpty());
            join(publisher, room);
            assertEquals(epoch, join(watcher, room).getString("epoch"), "one epoch on both nodes");

            CountDownLatch secondHalf = new CountDownLatch(1);
            AtomicReference<Throwable> publishFailure = new AtomicReference<>();
            Thread publishing = new Thread(() -> {
                try {
                    for (int i = 0; i < total; i++) {
                        if (i == half && !secondHalf.await(30, TimeUnit.SECONDS)) {
                            throw new AssertionError("the rejoin never started");
                        }
                        // pipelined: nothing is awaited but the socket's write
                        publisher.request("room_message", data("room_id", room, "content", "m-" + i));
                    }
                } catch (Throwable t) {
                    publishFailure.set(t);
                }
            });
            publishing.start();

            long last = 0;
            for (int i = 0; i < receivedBeforeDrop; i++) {
                JsonObject message = member.expect("room_message");
                long offset = offsetOf(message);
                assertEquals(last + 1, offset, message.toString());
                assertEquals("m-" + (offset - 1), message.getJsonObject("data").getString("content"));
                assertEquals(publisher.userId, message.getJsonObject("data").getString("sender_id"));
                last = offset;
            }
            member.abort();
            // the first half is in the history: the replay is at least 900 messages, far more than the send queue
            eventuallyHolds("the first half is in the history", () -> admin(a, "GET", "rooms/" + room
                    + "/history?limit=1", null).json().getJsonNumber("offset").longValue() >= half);

            try (WsClient back = connect(rejoinOn)) {
                long requestId = back.request("join_room", data("room_id", room, "recover",
                        data("offset", last, "epoch", epoch)));
                secondHalf.countDown(); // the room keeps publishing while the member rejoins and replays
                JsonObject rejoined = back.expect("room_joined");
                assertEquals(requestId, rejoined.getJsonNumber("request_id").longValue());
                JsonObject rejoinedData = rejoined.getJsonObject("data");
                assertTrue(rejoinedData.getBoolean("recovered"), rejoined.toString());
                assertEquals(epoch, rejoinedData.getString("epoch"));
                assertTrue(rejoinedData.getJsonNumber("offset").longValue() >= half, rejoined.toString());

                for (long expected = last + 1; expected <= total; expected++) {
                    JsonObject message = back.next(20_000);
                    assertNotNull(message, "offset " + expected + " never came; closed: " + back.isClosed() + " "
                            + back.closeReason());
                    assertEquals("room_message", message.getString("message_type"), message.toString());
                    assertEquals(expected, offsetOf(message), message.toString());
                    JsonObject data = message.getJsonObject("data");
                    assertEquals("m-" + (expected - 1), data.getString("content"), message.toString());
                    assertEquals(publisher.userId, data.getString("sender_id"));
                    assertEquals(room, data.getString("room_id"));
                }
                publishing.join(30_000);
                assertNull(publishFailure.get(), () -> "publisher: " + publishFailure.get());
                back.expectNothing(300);
                assertFalse(back.isClosed(), "closed: " + back.closeReason());
                // and live messages go on after the replay
                publisher.request("room_message", data("room_id", room, "content", "live"));
                expectRoomMessage(back, "live", total + 1);
                // the watcher, a member all along, had everything once and in order too
                for (long expected = 1; expected <= total + 1; expected++) {
                    JsonObject message = watcher.expect("room_message");
                    assertEquals(expected, offsetOf(message), message.toString());
                }
                watcher.expectNothing(100);
            }
        }
    }

    // ------------------------------------------------------------------ 2. Redis lost the stream

    @Test
    void aFlushedRedisGivesANewEpochAndNoRecovery() throws Exception {
        String room = unique("flushed");
        try (WsClient member = connect(a); WsClient sender = connect(b)) {
            String epoch = join(member, room).getString("epoch");
            join(sender, room);
            for (int i = 1; i <= 5; i++) {
                sender.request("room_message", data("room_id", room, "content", "before-" + i));
                expectRoomMessage(member, "before-" + i, i);
            }
            try (Jedis jedis = redis.client()) {
                assertEquals("OK", jedis.flushAll());
            }
            // both nodes registered their state again: their members are in the directory again
            eventuallyHolds("the nodes registered again", () -> admin(a, "GET", "rooms/" + room + "/members", null)
                    .array().size() == 2);
            try (WsClient returning = connect(b)) {
                JsonObject rejoined = recover(returning, room, 5, epoch);
                assertFalse(rejoined.getBoolean("recovered"), rejoined.toString());
                String newEpoch = rejoined.getString("epoch");
                assertNotEquals(epoch, newEpoch, "a lost stream is a new epoch");
                assertFalse(newEpoch.isEmpty());
                assertEquals(0, rejoined.getJsonNumber("offset").longValue(), rejoined.toString());
                returning.expectNothing(500); // nothing replayed
                // the room goes on in its new epoch, for everybody
                sender.request("room_message", data("room_id", room, "content", "after"));
                expectRoomMessage(returning, "after", 1);
                expectRoomMessage(member, "after", 1);
                try (WsClient another = connect(a)) {
                    JsonObject joined = join(another, room);
                    assertEquals(newEpoch, joined.getString("epoch"), "the new epoch on the other node");
                    assertEquals(1, joined.getJsonNumber("offset").longValue());
                }
            }
        }
    }

    // ------------------------------------------------------------------ 3. offsets in every push

    @Test
    void pushesOfAHistoryRoomCarryContiguousOffsetsAndAnEpoch() throws Exception {
        String room = createRoom(a, 50);
        try (WsClient onA = connect(a); WsClient onB = connect(b)) {
            JsonObject joinedA = join(onA, room);
            JsonObject joinedB = join(onB, room);
            assertEquals(0, joinedA.getJsonNumber("offset").longValue());
            assertEquals(joinedA.getString("epoch"), joinedB.getString("epoch"));
            assertFalse(joinedA.containsKey("recovered"), "only a join that asks to recover is told");
            for (int i = 1; i <= 3; i++) {
                onA.request("room_message", data("room_id", room, "content", "n" + i));
                expectRoomMessage(onB, "n" + i, i);
            }
            onA.expectNothing(200); // the sender does not get its own messages
            // a backend's own type; an offset it sends itself is replaced by the room's
            JsonObject published = adminPublish(b, room, "score", data("goal", 1, "offset", 99), null);
            assertEquals(4, published.getJsonNumber("offset").longValue(), published.toString());
            assertFalse(published.getBoolean("duplicate"));
            assertEquals(2, published.getInt("delivered"), published.toString());
            for (WsClient member : List.of(onA, onB)) {
                JsonObject score = member.expect("score");
                assertEquals(1, score.getJsonObject("data").getInt("goal"));
                assertEquals(4, offsetOf(score), score.toString());
            }
            onB.request("room_message", data("room_id", room, "content", "n5"));
            expectRoomMessage(onA, "n5", 5);
            try (WsClient late = connect(b)) {
                JsonObject joined = join(late, room);
                assertEquals(5, joined.getJsonNumber("offset").longValue(), joined.toString());
                assertEquals(joinedA.getString("epoch"), joined.getString("epoch"));
            }
        }
        // a room without history: no offset, no epoch, and the admin answer's offset is null
        String plain = createRoom(a, 0);
        try (WsClient member = connect(b)) {
            JsonObject joined = join(member, plain);
            assertFalse(joined.containsKey("offset"), joined.toString());
            assertFalse(joined.containsKey("epoch"), joined.toString());
            JsonObject published = adminPublish(a, plain, "notice", data("n", 1), null);
            assertEquals(JsonValue.NULL, published.get("offset"), published.toString());
            JsonObject notice = member.expect("notice");
            assertFalse(notice.getJsonObject("data").containsKey("offset"), notice.toString());
        }
    }

    // ------------------------------------------------------------------ 4. the history request

    @Test
    void historyAnswersNewestSinceOffsetAndTruncates() throws Exception {
        String room = createRoom(b, 100);
        try (WsClient member = connect(a)) {
            String epoch = join(member, room).getString("epoch");
            List<JsonObject> pushed = new ArrayList<>();
            for (int i = 1; i <= 12; i++) {
                adminPublish(b, room, i % 2 == 0 ? "even" : "odd", data("i", i, "text", "été " + i), null);
                JsonObject frame = member.expect(i % 2 == 0 ? "even" : "odd");
                assertEquals(i, offsetOf(frame));
                pushed.add(frame);
            }
            JsonObject newest = history(member, data("room_id", room, "limit", 5));
            assertEquals(epoch, newest.getString("epoch"));
            assertEquals(12, newest.getJsonNumber("offset").longValue());
            assertEquals(range(8, 12), offsets(newest));
            assertTrue(newest.getBoolean("truncated"), newest.toString());
            // each message as it was pushed: type, data (with its offset) and time
            for (JsonValue value : newest.getJsonArray("messages")) {
                JsonObject message = value.asJsonObject();
                JsonObject frame = pushed.get((int) message.getJsonNumber("offset").longValue() - 1);
                assertEquals(frame.getString("message_type"), message.getString("message_type"));
                assertEquals(frame.getJsonObject("data"), message.getJsonObject("data"));
                assertEquals(frame.getJsonNumber("timestamp").longValue(),
                        message.getJsonNumber("timestamp").longValue(), message.toString());
            }

            JsonObject since = history(member, data("room_id", room, "since_offset", 9));
            assertEquals(range(10, 12), offsets(since));
            assertFalse(since.getBoolean("truncated"));
            JsonObject oldest = history(member, data("room_id", room, "since_offset", 0, "limit", 3));
            assertEquals(range(1, 3), offsets(oldest));
            assertTrue(oldest.getBoolean("truncated"));
            JsonObject all = history(member, data("room_id", room));
            assertEquals(range(1, 12), offsets(all));
            assertFalse(all.getBoolean("truncated"));
            JsonObject none = history(member, data("room_id", room, "since_offset", 12));
            assertEquals(List.of(), offsets(none));
            assertFalse(none.getBoolean("truncated"));
            assertEquals(12, none.getJsonNumber("offset").longValue());

            // errors answer the request and keep the connection
            member.callError("history", data("room_id", unique("nowhere")), 3000);
            member.callError("history", data("room_id", room, "since_offset", "3"), 1001);
            member.callError("history", data("room_id", room, "since_offset", -1), 1001);
            member.callError("history", data("room_id", room, "since_offset", Json.PROVIDER.createValue(1.5)),
                    1001);
            member.callError("history", data("room_id", room, "limit", 0), 1001);
            member.callError("history", data("room_id", room, "limit", "ten"), 1001);
            member.callError("join_room", data("room_id", room, "recover", "x"), 1001);
            member.callError("join_room", data("room_id", unique("r"), "recover", data("offset", 1)), 1001);
            member.callError("join_room", data("room_id", unique("r"), "recover",
                    data("offset", -1, "epoch", epoch)), 1001);
            member.callError("join_room", data("room_id", unique("r"), "recover",
                    data("offset", "1", "epoch", epoch)), 1001);
            member.callError("join_room", data("room_id", unique("r"), "recover",
                    data("offset", 1, "epoch", "")), 1001);
            member.call("ping", data(), "pong");
            assertFalse(member.isClosed());
            assertEquals(range(10, 12), offsets(history(member, data("room_id", room, "since_offset", 9))));
        }

        // a non-member needs history:<room>
        String stranger = unique("stranger");
        String noHistory = TOKENS.rs256(TestTokens.claims(stranger).add("permissions",
                Json.PROVIDER.createArrayBuilder().add("join:*").add("publish:*")).build());
        String reader = TOKENS.rs256(TestTokens.claims(unique("reader")).add("permissions",
                Json.PROVIDER.createArrayBuilder().add("history:" + room)).build());
        try (WsClient outsider = WsClient.connectWithHeader(b.ws(""), noHistory);
             WsClient allowed = WsClient.connectWithHeader(a.ws(""), reader)) {
            outsider.callError("history", data("room_id", room), 3003);
            assertEquals(range(11, 12), offsets(history(allowed, data("room_id", room, "limit", 2))));
            // once a member, the outsider may read it
            join(outsider, room);
            assertEquals(range(12, 12), offsets(history(outsider, data("room_id", room, "limit", 1))));
        }
    }

    @Test
    void aHistoryReplyHoldsAtMostMaxMessageBytes() throws Exception {
        String room = createRoom(a, 100);
        String blob = "x".repeat(10_000);
        try (WsClient member = connect(b); WsClient sender = connect(a)) {
            join(member, room);
            join(sender, room);
            for (int i = 1; i <= 10; i++) {
                sender.request("room_message", data("room_id", room, "content", i + blob));
                expectRoomMessage(member, i + blob, i);
            }
            JsonObject oldest = history(member, data("room_id", room, "since_offset", 0));
            List<Long> first = offsets(oldest);
            assertTrue(first.size() >= 3 && first.size() < 10, "10 x 10 kB do not fit in 64 kB: " + first);
            assertEquals(range(1, first.size()), first);
            assertTrue(oldest.getBoolean("truncated"));
            assertTrue(oldest.toString().length() <= MAX_MESSAGE_BYTES, "reply of " + oldest.toString().length());
            JsonObject next = history(member, data("room_id", room, "since_offset", first.get(first.size() - 1)));
            assertEquals(first.size() + 1, offsets(next).get(0));
            JsonObject newest = history(member, data("room_id", room));
            List<Long> last = offsets(newest);
            assertTrue(last.size() < 10, last.toString());
            assertEquals(range(11 - last.size(), 10), last, "the newest that fit");
            assertTrue(newest.getBoolean("truncated"));
            for (JsonValue message : newest.getJsonArray("messages")) {
                JsonObject data = message.asJsonObject().getJsonObject("data");
                assertEquals(data.getJsonNumber("offset").longValue() + blob, data.getString("content"));
            }
        }
    }

    // ------------------------------------------------------------------ 5. admin history, delete and create again

    @Test
    void adminHistoryHasTheSameShapeAndARecreatedRoomANewEpoch() throws Exception {
        String room = createRoom(a, 10);
        String epoch;
        try (WsClient member = connect(b)) {
            epoch = join(member, room).getString("epoch");
            for (int i = 1; i <= 4; i++) {
                adminPublish(a, room, "tick", data("i", i), null);
                assertEquals(i, offsetOf(member.expect("tick")));
            }
            for (String query : List.of("", "?limit=2", "?since_offset=1", "?since_offset=1&limit=2")) {
                Answer answer = admin(b, "GET", "rooms/" + room + "/history" + query, null);
                assertEquals(200, answer.status(), answer.body());
                assertTrue(answer.contentType().startsWith("application/json"), answer.contentType());
                var request = Json.object().add("room_id", room);
                if (query.contains("since_offset=1")) {
                    request.add("since_offset", 1);
                }
                if (query.contains("limit=2")) {
                    request.add("limit", 2);
                }
                JsonObject frame = history(member, request.build());
                assertEquals(frame, answer.json(), query);
            }
            JsonObject page = admin(a, "GET", "rooms/" + room + "/history?since_offset=1&limit=2", null).json();
            assertEquals(epoch, page.getString("epoch"));
            assertEquals(4, page.getJsonNumber("offset").longValue());
            assertEquals(range(2, 3), offsets(page));
            assertTrue(page.getBoolean("truncated"));
            JsonObject message = page.getJsonArray("messages").getJsonObject(0);
            assertEquals("tick", message.getString("message_type"));
            assertEquals(data("i", 2, "offset", 2), message.getJsonObject("data"));
            assertTrue(message.getJsonNumber("timestamp").longValue() > 0);
            assertProblem(admin(a, "GET", "rooms/" + room + "/history?since_offset=abc", null), 400);
            assertProblem(admin(a, "GET", "rooms/" + room + "/history?limit=0", null), 400);
            assertProblem(admin(a, "GET", "rooms/" + unique("nowhere") + "/history", null), 404);

            assertEquals(204, admin(a, "DELETE", "rooms/" + room, null).status());
            assertEquals(room, member.expect("room_left").getJsonObject("data").getString("room_id"));
        }
        Answer again = admin(b, "POST", "rooms", "{\"room_id\":\"" + room + "\",\"history_size\":10}");
        assertEquals(201, again.status(), again.body());
        JsonObject page = admin(a, "GET", "rooms/" + room + "/history", null).json();
        assertEquals(List.of(), offsets(page));
        assertEquals(0, page.getJsonNumber("offset").longValue());
        try (WsClient member = connect(a)) {
            JsonObject joined = recover(member, room, 4, epoch);
            assertFalse(joined.getBoolean("recovered"), joined.toString());
            assertNotEquals(epoch, joined.getString("epoch"), "a room created again starts a new epoch");
            assertEquals(0, joined.getJsonNumber("offset").longValue());
            member.expectNothing(300);
            JsonObject published = adminPublish(b, room, "tick", data("i", 1), null);
            assertEquals(1, published.getJsonNumber("offset").longValue());
            assertEquals(1, offsetOf(member.expect("tick")));
        }
    }

    // ------------------------------------------------------------------ 6. idempotent publish

    @Test
    void anIdempotencyKeyPublishesOnce() throws Exception {
        String room = unique("idem");
        try (WsClient sender = connect(a); WsClient receiver = connect(b)) {
            join(sender, room);
            join(receiver, room);
            String key = unique("key");
            JsonObject first = sender.call("room_message", data("room_id", room, "content", "once",
                    "idempotency_key", key), "room_message_sent").getJsonObject("data");
            assertEquals(room, first.getString("room_id"));
            assertEquals(1, first.getJsonNumber("offset").longValue(), first.toString());
            assertFalse(first.getBoolean("duplicate"));
            expectRoomMessage(receiver, "once", 1);
            JsonObject repeat = sender.call("room_message", data("room_id", room, "content", "twice",
                    "idempotency_key", key), "room_message_sent").getJsonObject("data");
            assertEquals(1, repeat.getJsonNumber("offset").longValue(), repeat.toString());
            assertTrue(repeat.getBoolean("duplicate"));
            // from another node too
            JsonObject fromB = receiver.call("room_message", data("room_id", room, "content", "thrice",
                    "idempotency_key", key), "room_message_sent").getJsonObject("data");
            assertEquals(1, fromB.getJsonNumber("offset").longValue());
            assertTrue(fromB.getBoolean("duplicate"));
            receiver.expectNothing(300);
            sender.expectNothing(0);
            // without a key: published and unanswered
            sender.request("room_message", data("room_id", room, "content", "plain"));
            expectRoomMessage(receiver, "plain", 2);
            sender.expectNothing(300);

            String adminKey = unique("admin-key");
            JsonObject published = adminPublish(b, room, "order", data("id", 7), adminKey);
            assertEquals(3, published.getJsonNumber("offset").longValue(), published.toString());
            assertFalse(published.getBoolean("duplicate"));
            assertEquals(2, published.getInt("delivered"));
            JsonObject again = adminPublish(a, room, "order", data("id", 7), adminKey);
            assertEquals(3, again.getJsonNumber("offset").longValue(), again.toString());
            assertTrue(again.getBoolean("duplicate"));
            assertEquals(0, again.getInt("delivered"));
            for (WsClient member : List.of(sender, receiver)) {
                assertEquals(3, offsetOf(member.expect("order")));
                member.expectNothing(300);
            }
            // a key is per room
            String other = unique("idem-other");
            join(sender, other);
            JsonObject elsewhere = sender.call("room_message", data("room_id", other, "content", "x",
                    "idempotency_key", key), "room_message_sent").getJsonObject("data");
            assertFalse(elsewhere.getBoolean("duplicate"));
            assertEquals(1, elsewhere.getJsonNumber("offset").longValue());

            String longest = "k".repeat(64);
            assertFalse(sender.call("room_message", data("room_id", room, "content", "64",
                    "idempotency_key", longest), "room_message_sent").getJsonObject("data").getBoolean("duplicate"));
            expectRoomMessage(receiver, "64", 4);
            sender.callError("room_message", data("room_id", room, "content", "65",
                    "idempotency_key", longest + "k"), 1001);
            Answer tooLong = admin(a, "POST", "rooms/" + room + "/messages", Json.object()
                    .add("message_type", "order").add("data", data()).add("idempotency_key", longest + "k")
                    .build().toString());
            assertProblem(tooLong, 400);
            receiver.expectNothing(300);
            sender.call("ping", data(), "pong");
            assertEquals(4, admin(a, "GET", "rooms/" + room + "/history?limit=1", null).json()
                    .getJsonNumber("offset").longValue(), "nothing else was published");
        }
        // without history a key still publishes once; the offset is null
        String plain = createRoom(b, 0);
        try (WsClient sender = connect(a); WsClient receiver = connect(b)) {
            join(sender, plain);
            join(receiver, plain);
            String key = unique("key");
            JsonObject first = sender.call("room_message", data("room_id", plain, "content", "once",
                    "idempotency_key", key), "room_message_sent").getJsonObject("data");
            assertEquals(JsonValue.NULL, first.get("offset"));
            assertFalse(first.getBoolean("duplicate"));
            assertEquals("once", receiver.expect("room_message").getJsonObject("data").getString("content"));
            assertTrue(sender.call("room_message", data("room_id", plain, "content", "again",
                    "idempotency_key", key), "room_message_sent").getJsonObject("data").getBoolean("duplicate"));
            receiver.expectNothing(300);
        }
    }

    // ------------------------------------------------------------------ 7. an emptied auto-created room lives on

    @Test
    void anAutoCreatedRoomWithHistoryOutlivesItsLastMember() throws Exception {
        String room = unique("auto");
        String epoch;
        try (WsClient first = connect(a); WsClient second = connect(b)) {
            epoch = join(first, room).getString("epoch");
            join(second, room);
            for (int i = 1; i <= 3; i++) {
                second.request("room_message", data("room_id", room, "content", "kept-" + i));
                expectRoomMessage(first, "kept-" + i, i);
            }
            first.call("leave_room", data("room_id", room), "room_left");
            second.call("leave_room", data("room_id", room), "room_left");
        }
        eventuallyHolds("the room has no members", () -> admin(a, "GET", "rooms/" + room, null).json()
                .getInt("members") == 0);
        Answer info = admin(b, "GET", "rooms/" + room, null);
        assertEquals(200, info.status(), info.body());
        assertEquals(HISTORY_SIZE, info.json().getInt("history_size"), info.body());
        try (WsClient back = connect(b)) {
            JsonObject joined = recover(back, room, 1, epoch);
            assertTrue(joined.getBoolean("recovered"), joined.toString());
            assertEquals(epoch, joined.getString("epoch"));
            assertEquals(3, joined.getJsonNumber("offset").longValue());
            expectRoomMessage(back, "kept-2", 2);
            expectRoomMessage(back, "kept-3", 3);
            back.expectNothing(300);
        }
        // it is still there for a later member, in the same epoch, with its offsets going on
        try (WsClient sender = connect(a); WsClient later = connect(b)) {
            JsonObject joined = join(later, room);
            assertEquals(epoch, joined.getString("epoch"));
            join(sender, room);
            sender.request("room_message", data("room_id", room, "content", "kept-4"));
            expectRoomMessage(later, "kept-4", 4);
        }
    }

    // ------------------------------------------------------------------ 8. metrics

    @Test
    void historyAppendsAndRecoveriesAreCounted() throws Exception {
        String room = unique("metered");
        double appends = b.metric("wshub_history_appends_total", null);
        double recovered = b.metric("wshub_recoveries_total", "result=\"recovered\"");
        double notRecovered = b.metric("wshub_recoveries_total", "result=\"not_recovered\"");
        String epoch;
        try (WsClient sender = connect(b); WsClient member = connect(a)) {
            epoch = join(member, room).getString("epoch");
            join(sender, room);
            for (int i = 1; i <= 7; i++) {
                sender.request("room_message", data("room_id", room, "content", "c" + i));
                expectRoomMessage(member, "c" + i, i);
            }
        }
        assertEquals(appends + 7, b.metric("wshub_history_appends_total", null), "one append per message on B");
        try (WsClient back = connect(b); WsClient lost = connect(b)) {
            assertTrue(recover(back, room, 5, epoch).getBoolean("recovered"));
            expectRoomMessage(back, "c6", 6);
            expectRoomMessage(back, "c7", 7);
            assertFalse(recover(lost, room, 5, epoch + "-old").getBoolean("recovered"));
            lost.expectNothing(200);
        }
        assertEquals(recovered + 1, b.metric("wshub_recoveries_total", "result=\"recovered\""));
        assertEquals(notRecovered + 1, b.metric("wshub_recoveries_total", "result=\"not_recovered\""));
        String body = b.metrics();
        assertTrue(body.contains("wshub_history_appends_total"), "appends are exported");
        assertTrue(body.contains("wshub_recoveries_total{"), "recoveries are exported with their result");
    }

    // ------------------------------------------------------------------ SSE across two nodes

    /**
     * An SSE stream on A and GoHub clients on both nodes share a room: every message reaches each other member once,
     * in offset order (the stream only reads); the stream then resumes on B from its {@code Last-Event-ID} with what
     * it missed, once.
     */
    @Test
    void anSseStreamAndWebSocketsOnTwoNodesShareARoomAndTheStreamResumesOnTheOtherNode() throws Exception {
        String room = unique("sse-shared");
        String lastEventId;
        try (WsClient onB = connect(b); WsClient onA = connect(a);
             SseClient stream = SseClient.connect(a.http("/sse?room=" + room), Map.of())) {
            assertEquals(0, stream.expect("room_joined").json().getInt("offset"));
            join(onB, room);
            join(onA, room);
            for (int i = 1; i <= 5; i++) {
                onB.request("room_message", data("room_id", room, "content", "b" + i));
                onA.request("room_message", data("room_id", room, "content", "a" + i));
            }
            List<String> received = new ArrayList<>();
            for (int offset = 1; offset <= 10; offset++) {
                JsonObject message = stream.expect("room_message").json();
                assertEquals(offset, message.getInt("offset"), message.toString());
                received.add(message.getString("content"));
            }
            assertEquals(List.of("a1", "a2", "a3", "a4", "a5"), received.stream().filter(c -> c.startsWith("a")).toList());
            assertEquals(List.of("b1", "b2", "b3", "b4", "b5"), received.stream().filter(c -> c.startsWith("b")).toList());
            for (int i = 1; i <= 5; i++) {
                assertEquals("a" + i, onB.expect("room_message").getJsonObject("data").getString("content"));
                assertEquals("b" + i, onA.expect("room_message").getJsonObject("data").getString("content"));
            }
            adminPublish(b, room, "notice", data("text", "to all"), null);
            JsonObject notice = stream.expect("notice").json();
            assertEquals(11, notice.getInt("offset"));
            assertEquals("to all", notice.getString("text"));
            assertEquals(11, offsetOf(onA.expect("notice")));
            assertEquals(11, offsetOf(onB.expect("notice")));
            stream.expectNothing(300);
            onA.expectNothing(0);
            onB.expectNothing(0);
            lastEventId = stream.lastEventId();
        }
        try (WsClient publisher = connect(b)) {
            join(publisher, room);
            for (int i = 1; i <= 3; i++) {
                publisher.request("room_message", data("room_id", room, "content", "late" + i));
            }
            try (SseClient resumed = SseClient.connect(b.http("/sse?room=" + room),
                    Map.of("Last-Event-ID", lastEventId))) {
                JsonObject joined = resumed.expect("room_joined").json();
                assertTrue(joined.getBoolean("recovered"), joined.toString());
                for (int i = 1; i <= 3; i++) {
                    JsonObject message = resumed.expect("room_message").json();
                    assertEquals("late" + i, message.getString("content"));
                    assertEquals(11 + i, message.getInt("offset"));
                }
                resumed.expectNothing(300);
            }
        }
    }
}
