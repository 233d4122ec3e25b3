package io.wshub.it;

import io.wshub.it.AdminApi.Answer;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
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
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.wshub.it.AdminApi.assertProblem;
import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.push;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real Payara Micro nodes (the packaged WAR) and a real redis-server: every operation across nodes, exactly once; no
 * room traffic to nodes without members; identities that cannot be spoofed across nodes; Redis killed, restarted and
 * paused mid-traffic; a node paused longer than its TTL that comes back whole; a node killed and its entries swept; a
 * node stopped gracefully. Nodes A, B and C serve every test; D is only killed and E only stopped, so that no test
 * depends on another's order.
 */
class ClusterIT {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "cluster-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());
    static final String PREFIX = "wshub";
    static final long TTL_MILLIS = 3000;

    static RedisProcess redis;
    static PayaraNode a;
    static PayaraNode b;
    static PayaraNode c;
    static PayaraNode d;
    static PayaraNode e;

    @BeforeAll
    static void start() {
        redis = new RedisProcess(Path.of("target", "cluster-it", "redis")).start();
        a = PayaraNode.launch("node-a", environment("node-a"));
        b = PayaraNode.launch("node-b", environment("node-b"));
        c = PayaraNode.launch("node-c", environment("node-c"));
        d = PayaraNode.launch("node-d", environment("node-d"));
        e = PayaraNode.launch("node-e", environment("node-e"));
        for (PayaraNode node : List.of(a, b, c, d, e)) {
            node.awaitReady();
        }
    }

    static Map<String, String> environment(String nodeId) {
        Map<String, String> env = new HashMap<>();
        env.put("WSHUB_BUS", "redis");
        env.put("WSHUB_REDIS_URL", redis.url());
        env.put("WSHUB_NODE_ID", nodeId);
        env.put("WSHUB_CLUSTER_NODE_TTL", Long.toString(TTL_MILLIS / 1000));
        env.put("WSHUB_ALLOW_QUERY_CLIENT_ID", "true");
        env.put("WSHUB_LIMITS_MAX_CONNECTIONS_PER_USER", "3");
        env.put("WSHUB_SESSION_SINGLE_PER_PLATFORM", "true");
        env.put("WSHUB_SHUTDOWN_RECONNECT_SPREAD", "3000");
        for (String line : TOKENS.mpJwtConfig().split("\n")) {
            String[] keyValue = line.split("=", 2);
            env.put(keyValue[0].toUpperCase().replace('.', '_'), keyValue[1]);
        }
        return env;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[]{a, b, c, d, e, redis}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
    }

    /** An anonymous client; with {@code chosenId} its user id is {@code guest-<chosenId>}. */
    static WsClient connect(PayaraNode node, String chosenId) {
        return WsClient.connect(node.ws(chosenId == null ? "" : "?client_id=" + chosenId));
    }

    static Answer admin(PayaraNode node, String method, String path, String body) throws Exception {
        return new AdminApi(node.http("/api/"), ADMIN).call(method, path, body);
    }

    static void join(String room, WsClient... clients) {
        for (WsClient client : clients) {
            client.call("join_room", data("room_id", room), "room_joined");
        }
    }

    /** The next room_message of each receiver is {@code content}. */
    static void expectRoomMessage(String content, WsClient... receivers) {
        for (WsClient receiver : receivers) {
            JsonObject message = receiver.expect("room_message");
            assertEquals(content, message.getJsonObject("data").getString("content"), message.toString());
        }
    }

    /**
     * Exactly once: the sender sends two messages; every receiver's next two frames are those two, in order (a
     * duplicate of the first would come before the second), and the sender gets neither.
     */
    static void assertRoomDeliveredOnce(String room, WsClient sender, WsClient... receivers) {
        String first = unique("first");
        String second = unique("second");
        sender.request("room_message", data("room_id", room, "content", first));
        sender.request("room_message", data("room_id", room, "content", second));
        expectRoomMessage(first, receivers);
        expectRoomMessage(second, receivers);
        sender.expectNothing(300);
    }

    static long numsub(String channel) {
        try (Jedis jedis = redis.client()) {
            return jedis.pubsubNumSub(channel).get(channel);
        }
    }

    static String roomChannel(String room) {
        return PREFIX + ":ch:room:" + room;
    }

    static void eventually(String what, Check condition) throws InterruptedException {
        TestData.eventually(what, 20_000, () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }

    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }

    static Set<String> memberIds(PayaraNode node, String room) throws Exception {
        Answer members = admin(node, "GET", "rooms/" + room + "/members", null);
        if (members.status() != 200) {
            return Set.of();
        }
        return members.array().stream().map(m -> m.asJsonObject().getString("client_id")).collect(Collectors.toSet());
    }

    static Set<String> clientIds(PayaraNode node) throws Exception {
        return admin(node, "GET", "clients?size=500", null).json().getJsonArray("items").stream()
                .map(item -> item.asJsonObject().getString("client_id")).collect(Collectors.toSet());
    }

    @Test
    void roomMessagesCrossNodesExactlyOnce() {
        String room = unique("cross");
        try (WsClient a1 = connect(a, null); WsClient a2 = connect(a, null); WsClient b1 = connect(b, null);
             WsClient b2 = connect(b, null); WsClient outsider = connect(b, null)) {
            join(room, a1, a2, b1, b2);
            assertRoomDeliveredOnce(room, a1, a2, b1, b2);
            assertRoomDeliveredOnce(room, b1, a1, a2, b2);
            outsider.expectNothing(200);
            // the relayed frame is complete: sender, content, room, a message id of the receiving node
            a1.request("room_message", data("room_id", room, "content", "hello b"));
            JsonObject received = b1.expect("room_message");
            assertEquals(a1.userId, received.getJsonObject("data").getString("sender_id"));
            assertEquals(room, received.getJsonObject("data").getString("room_id"));
            expectRoomMessage("hello b", a2, b2);
        }
    }

    @Test
    void aNodeReceivesARoomsTrafficOnlyWhileItHasMembers() throws Exception {
        String room = unique("subscribed");
        try (WsClient a1 = connect(a, null); WsClient a2 = connect(a, null); WsClient b1 = connect(b, null)) {
            join(room, a1, a2);
            assertEquals(1, numsub(roomChannel(room)), "only node A has members");
            assertRoomDeliveredOnce(room, a1, a2);
            join(room, b1);
            assertEquals(2, numsub(roomChannel(room)), "A and B have members");
            b1.call("leave_room", data("room_id", room), "room_left");
            // the unsubscribe travels on the subscriber connection, the count is asked on another one
            eventually("B's last member left", () -> numsub(roomChannel(room)) == 1);
            a1.call("leave_room", data("room_id", room), "room_left");
            assertEquals(1, numsub(roomChannel(room)), "A still has a member");
            a2.close();
            eventually("no node subscribed", () -> numsub(roomChannel(room)) == 0);
            try (Jedis jedis = redis.client()) {
                assertTrue(jedis.pubsubChannels(PREFIX + ":ch:room:*").stream().noneMatch(ch -> ch.endsWith(room)));
                // one subscriber connection per node, never one per client
                for (String node : List.of("node-a", "node-b", "node-c")) {
                    assertEquals(1, jedis.clientList().lines().filter(line -> line.contains("name=wshub-sub-" + node
                            + " ")).count(), node + " in " + jedis.clientList());
                }
            }
        }
    }

    @Test
    void directMessagesReachAUserOnEveryNodeOnce() {
        String chosen = unique("multi");
        try (WsClient onA = connect(a, chosen); WsClient onB = connect(b, chosen); WsClient onC = connect(c, chosen);
             WsClient sender = connect(b, null)) {
            sender.request("direct_message", data("target_id", onA.userId, "content", "one"));
            sender.request("direct_message", data("target_id", onA.userId, "content", "two"));
            for (WsClient receiver : List.of(onA, onB, onC)) {
                assertEquals("one", receiver.expect("direct_message").getJsonObject("data").getString("content"));
                assertEquals("two", receiver.expect("direct_message").getJsonObject("data").getString("content"));
            }
            sender.expectNothing(300);
            sender.callError("direct_message", data("target_id", unique("nobody"), "content", "x"), 4001);
        }
    }

    /**
     * An anonymous client that chooses a token user's id must not receive that user's messages or replace their
     * sessions, whichever connects first, on whichever node.
     */
    @Test
    void anonymousIdsNeverReachATokenUserWhoeverComesFirst() throws Exception {
        String alice = unique("alice");
        try (WsClient tokenAlice = WsClient.connectWithHeader(a.ws("?platform=web"), TOKENS.valid(alice));
             WsClient fakeAlice = connect(b, alice + "&platform=web");
             WsClient sender = connect(c, null)) {
            assertEquals(alice, tokenAlice.userId);
            assertNotEquals(alice, fakeAlice.userId, "the chosen id is in the guest namespace");
            assertEquals("guest-" + alice, fakeAlice.userId);
            tokenAlice.call("ping", data(), "pong");
            assertFalse(tokenAlice.isClosed(), "the anonymous client did not replace alice's web session");
            sender.request("direct_message", data("target_id", alice, "content", "for alice"));
            assertEquals("for alice", tokenAlice.expect("direct_message").getJsonObject("data").getString("content"));
            fakeAlice.expectNothing(500);
        }
        String bob = unique("bob");
        try (WsClient fakeBob = connect(a, bob + "&platform=ios");
             WsClient tokenBob = WsClient.connectWithHeader(b.ws("?platform=ios"), TOKENS.valid(bob));
             WsClient sender = connect(c, null)) {
            assertEquals(bob, tokenBob.userId);
            assertEquals("guest-" + bob, fakeBob.userId);
            fakeBob.call("ping", data(), "pong");
            sender.request("direct_message", data("target_id", bob, "content", "for bob"));
            assertEquals("for bob", tokenBob.expect("direct_message").getJsonObject("data").getString("content"));
            fakeBob.expectNothing(500);
            sender.request("direct_message", data("target_id", fakeBob.userId, "content", "for the guest"));
            assertEquals("for the guest", fakeBob.expect("direct_message").getJsonObject("data")
                    .getString("content"));
            tokenBob.expectNothing(300);
            JsonObject user = admin(a, "GET", "users/" + bob, null).json();
            assertEquals(List.of(tokenBob.clientId), user.getJsonArray("connections").stream()
                    .map(cn -> cn.asJsonObject().getString("client_id")).toList());
        }
        // and no token may claim the guest namespace
        assertEquals(401, WsClient.refusal(a.ws(""), builder -> builder.header("Authorization",
                "Bearer " + TOKENS.valid("guest-" + alice))));
    }

    @Test
    void broadcastReachesEveryConnectionOfEveryNodeOnce() throws Exception {
        try (WsClient onA = connect(a, null); WsClient onB = connect(b, null); WsClient onC = connect(c, null)) {
            Answer answer = admin(b, "POST", "broadcast", push("notice", data("n", 1)));
            assertEquals(202, answer.status(), answer.body());
            assertTrue(answer.json().getInt("delivered") >= 3, answer.body());
            admin(b, "POST", "broadcast", push("notice", data("n", 2)));
            for (WsClient client : List.of(onA, onB, onC)) {
                assertEquals(1, client.expect("notice").getJsonObject("data").getInt("n"));
                assertEquals(2, client.expect("notice").getJsonObject("data").getInt("n"));
            }
        }
    }

    @Test
    void adminMessagesAndKicksReachConnectionsOnOtherNodes() throws Exception {
        String chosen = unique("kicked");
        try (WsClient target = connect(b, null); WsClient u1 = connect(a, chosen); WsClient u2 = connect(c, chosen)) {
            assertEquals(202, admin(a, "POST", "clients/" + target.clientId + "/messages",
                    push("hello", data("k", "v"))).status());
            assertEquals("v", target.expect("hello").getJsonObject("data").getString("k"));
            Answer toUser = admin(b, "POST", "users/" + u1.userId + "/messages", push("hi", data()));
            assertEquals(2, toUser.json().getInt("delivered"), toUser.body());
            u1.expect("hi");
            u2.expect("hi");

            assertEquals(204, admin(a, "DELETE", "clients/" + target.clientId + "?reason=bye", null).status());
            assertEquals(4002, target.awaitClose(10_000));
            assertEquals("bye", target.closeReason());
            assertEquals(204, admin(b, "DELETE", "users/" + u1.userId + "?reason=banned", null).status());
            assertEquals(4002, u1.awaitClose(10_000));
            assertEquals(4002, u2.awaitClose(10_000));
            assertEquals("banned", u2.closeReason());
            eventually("the kicked client is gone", () ->
                    admin(a, "DELETE", "clients/" + target.clientId, null).status() == 404);
        }
    }

    @Test
    void serverSideJoinAndLeaveWorkForConnectionsOnOtherNodes() throws Exception {
        String room = unique("server-side");
        try (WsClient onA = connect(a, null); WsClient onB = connect(b, null)) {
            join(room, onA);
            assertEquals(204, admin(a, "PUT", "rooms/" + room + "/members/" + onB.clientId, null).status());
            assertEquals(room, onB.expect("room_joined").getJsonObject("data").getString("room_id"));
            assertProblem(admin(c, "PUT", "rooms/" + room + "/members/" + onB.clientId, null), 409);
            assertRoomDeliveredOnce(room, onA, onB);

            Answer members = admin(c, "GET", "rooms/" + room + "/members", null);
            Map<String, String> nodeOf = members.array().stream().map(JsonValue::asJsonObject).collect(
                    Collectors.toMap(m -> m.getString("client_id"), m -> m.getString("node_id")));
            assertEquals(Map.of(onA.clientId, "node-a", onB.clientId, "node-b"), nodeOf);
            Answer info = admin(b, "GET", "rooms/" + room, null);
            assertEquals(2, info.json().getInt("members"), info.body());
            Answer published = admin(c, "POST", "rooms/" + room + "/messages", push("news", data()));
            assertEquals(2, published.json().getInt("delivered"), published.body());
            onA.expect("news");
            onB.expect("news");

            assertEquals(204, admin(a, "DELETE", "rooms/" + room + "/members/" + onB.clientId, null).status());
            onB.expect("room_left");
            onA.request("room_message", data("room_id", room, "content", "after leave"));
            onB.expectNothing(500);
            assertProblem(admin(a, "DELETE", "rooms/" + room + "/members/" + onB.clientId, null), 404);
        }
    }

    @Test
    void deletingARoomTellsItsMembersOnEveryNode() throws Exception {
        String room = unique("deleted");
        assertEquals(201, admin(a, "POST", "rooms", "{\"room_id\":\"" + room + "\"}").status());
        assertProblem(admin(b, "POST", "rooms", "{\"room_id\":\"" + room + "\"}"), 409);
        try (WsClient onB = connect(b, null); WsClient onC = connect(c, null)) {
            join(room, onB, onC);
            assertEquals(204, admin(a, "DELETE", "rooms/" + room, null).status());
            onB.expect("room_left");
            onC.expect("room_left");
            assertProblem(admin(c, "GET", "rooms/" + room, null), 404);
            eventually("no node subscribed", () -> numsub(roomChannel(room)) == 0);
        }
    }

    @Test
    void statsAndLookupsCoverTheWholeCluster() throws Exception {
        String chosen = unique("looked-up");
        String room = unique("stats");
        try (WsClient onA = connect(a, chosen); WsClient onC = connect(c, chosen); WsClient other = connect(b, null)) {
            join(room, onA, other);
            JsonObject stats = admin(b, "GET", "stats", null).json();
            assertEquals("node-b", stats.getString("node_id"));
            Map<String, JsonObject> nodes = stats.getJsonArray("nodes").stream().map(JsonValue::asJsonObject)
                    .collect(Collectors.toMap(n -> n.getString("node_id"), n -> n));
            assertTrue(nodes.keySet().containsAll(Set.of("node-a", "node-b", "node-c")), stats.toString());
            int perNode = nodes.values().stream().mapToInt(n -> n.getInt("clients")).sum();
            assertEquals(stats.getInt("clients"), perNode, stats.toString());
            assertTrue(nodes.get("node-a").getInt("clients") >= 1 && nodes.get("node-c").getInt("clients") >= 1);
            assertTrue(stats.getInt("rooms") >= 1 && stats.getInt("users") >= 2, stats.toString());

            JsonObject found = admin(b, "GET", "users/" + onA.userId, null).json();
            JsonArray connections = found.getJsonArray("connections");
            assertEquals(Set.of("node-a", "node-c"), connections.stream()
                    .map(cn -> cn.asJsonObject().getString("node_id")).collect(Collectors.toSet()));
            JsonObject client = admin(c, "GET", "clients/" + onA.clientId, null).json();
            assertEquals(List.of(room), client.getJsonArray("rooms").getValuesAs(JsonString::getString));
            JsonObject page = admin(a, "GET", "clients?room=" + room, null).json();
            assertEquals(2, page.getInt("total"), page.toString());
        }
    }

    @Test
    void roomCapacityHoldsAcrossNodesUnderConcurrentJoins() throws Exception {
        String room = unique("capacity");
        assertEquals(201, admin(a, "POST", "rooms", "{\"room_id\":\"" + room + "\",\"max_members\":5}").status());
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                clients.add(connect(i % 2 == 0 ? a : b, null));
            }
            for (WsClient client : clients) {
                client.request("join_room", data("room_id", room));
            }
            AtomicInteger joined = new AtomicInteger();
            AtomicInteger full = new AtomicInteger();
            for (WsClient client : clients) {
                JsonObject reply = client.next(10_000);
                assertNotNull(reply);
                if ("room_joined".equals(reply.getString("message_type"))) {
                    joined.incrementAndGet();
                } else {
                    assertEquals(3002, reply.getJsonObject("data").getInt("code"), reply.toString());
                    full.incrementAndGet();
                }
            }
            assertEquals(5, joined.get());
            assertEquals(19, full.get());
            assertEquals(5, admin(b, "GET", "rooms/" + room, null).json().getInt("members"));
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void theConnectionLimitPerUserHoldsAcrossNodes() throws Exception {
        String chosen = unique("per-user");
        try (WsClient first = connect(a, chosen); WsClient second = connect(b, chosen);
             WsClient third = connect(c, chosen)) {
            WsClient fourth = WsClient.open(a.ws("?client_id=" + chosen));
            fourth.expectError(4003);
            assertEquals(1008, fourth.awaitClose(10_000));
            assertEquals(3, admin(b, "GET", "users/" + first.userId, null).json().getJsonArray("connections").size());
            assertTrue(!first.isClosed() && !second.isClosed() && !third.isClosed());
            // a place frees up when one goes, wherever it was
            second.close();
            eventually("second is gone", () -> admin(a, "GET", "users/" + first.userId, null).json()
                    .getJsonArray("connections").size() == 2);
            try (WsClient again = connect(a, chosen)) {
                again.call("ping", data(), "pong");
            }
        }
    }

    @Test
    void aNewSessionOnAnotherNodeReplacesTheOldOneOnTheSamePlatform() {
        String user = unique("roaming");
        try (WsClient oldPhone = WsClient.connectWithHeader(a.ws("?platform=ios"), TOKENS.valid(user));
             WsClient laptop = WsClient.connectWithHeader(c.ws("?platform=web"), TOKENS.valid(user));
             WsClient newPhone = WsClient.connectWithHeader(b.ws("?platform=ios"), TOKENS.valid(user))) {
            assertTrue(oldPhone.expect("session_kicked").getJsonObject("data").getString("reason").contains("ios"));
            assertEquals(4000, oldPhone.awaitClose(10_000));
            assertEquals("session replaced", oldPhone.closeReason());
            laptop.call("ping", data(), "pong");
            newPhone.call("ping", data(), "pong");
            assertTrue(!laptop.isClosed() && !newPhone.isClosed());
        }
    }

    /** A Redis reply that is a bug is a server error (1003, 500), logged and counted; not "cluster unavailable". */
    @Test
    void aRedisErrorIsAServerErrorNotAnOutage() throws Exception {
        String broken = "guest-" + unique("broken");
        try (Jedis jedis = redis.client()) {
            jedis.set(PREFIX + ":user:" + broken, "not a hash"); // WRONGTYPE for every user command
        }
        double before = metric(a, "wshub_redis_failures_total");
        try (WsClient client = connect(a, null)) {
            client.callError("direct_message", data("target_id", broken, "content", "x"), 1003);
            client.call("ping", data(), "pong");
        }
        assertProblem(admin(a, "GET", "users/" + broken, null), 500);
        assertEquals(200, status(a, "/health/ready"), "a bug is no outage: the node stays ready");
        assertTrue(metric(a, "wshub_redis_failures_total") >= before + 2);
        String log = a.output();
        assertTrue(log.contains("WRONGTYPE"), "the Redis error is logged with its cause");
        try (Jedis jedis = redis.client()) {
            jedis.del(PREFIX + ":user:" + broken);
        }
    }

    /** A node paused for twice its TTL was given up by the others; it notices and writes its state back at once. */
    @Test
    void aPausedNodeComesBackWithItsClientsRoomsAndMessages() throws Exception {
        String room = unique("paused");
        String chosen = unique("sleeper");
        try (WsClient onA = connect(a, null); WsClient onC = connect(c, chosen)) {
            join(room, onA, onC);
            c.pause();
            try {
                eventually("the others gave node C up and swept its member", () ->
                        !memberIds(a, room).contains(onC.clientId));
                Thread.sleep(2 * TTL_MILLIS - TTL_MILLIS / 2);
            } finally {
                c.resume();
            }
            long resumed = System.currentTimeMillis();
            eventually("C's client is in the room and its user is online again", () ->
                    memberIds(a, room).contains(onC.clientId)
                            && admin(a, "GET", "users/" + onC.userId, null).status() == 200);
            long back = System.currentTimeMillis() - resumed;
            assertTrue(back < 2 * TTL_MILLIS, "back within about a heartbeat, not " + back + " ms");
            drainFrames(onC);
            assertRoomDeliveredOnce(room, onA, onC);
            onA.request("direct_message", data("target_id", onC.userId, "content", "welcome back"));
            assertEquals("welcome back", onC.expect("direct_message").getJsonObject("data").getString("content"));
        }
    }

    /** Redis so slow that heartbeats fall behind: liveness stays UP (the timer never waits on Redis), readiness goes
     * DOWN and comes back. */
    @Test
    void aSlowRedisKeepsNodesLiveButNotReady() throws Exception {
        Thread pause = new Thread(() -> {
            try (Jedis jedis = redis.client()) {
                jedis.clientPause(2 * TTL_MILLIS);
            }
        });
        pause.start();
        long until = System.currentTimeMillis() + 2 * TTL_MILLIS - 500;
        boolean sawNotReady = false;
        while (System.currentTimeMillis() < until) {
            long asked = System.currentTimeMillis();
            assertEquals(200, status(b, "/health/live"), "liveness while Redis is slow");
            assertTrue(System.currentTimeMillis() - asked < 1000, "liveness answers at once");
            sawNotReady |= status(b, "/health/ready") == 503;
            Thread.sleep(200);
        }
        pause.join();
        assertTrue(sawNotReady, "readiness reports the late heartbeat");
        eventually("ready again", () -> status(b, "/health/ready") == 200);
        try (WsClient onA = connect(a, null); WsClient onB = connect(b, null)) {
            String room = unique("after-pause");
            join(room, onA, onB);
            assertRoomDeliveredOnce(room, onA, onB);
        }
    }

    @Test
    void redisRestartedMidTrafficDeliveryResumesAndNothingIsLost() throws Exception {
        String room = unique("restart");
        try (WsClient a1 = connect(a, null); WsClient a2 = connect(a, null); WsClient b1 = connect(b, null)) {
            join(room, a1, a2, b1);
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread traffic = new Thread(() -> {
                int n = 0;
                while (sending.get()) {
                    a1.request("room_message", data("room_id", room, "content", "traffic-" + n++));
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ex) {
                        return;
                    }
                }
            });
            traffic.start();
            Thread.sleep(500);
            redis.kill();
            eventually("node A not ready without Redis", () -> status(a, "/health/ready") == 503);
            String down = body(a, "/health/ready");
            assertTrue(down.contains("DOWN") && down.contains("wshub-readiness"), down);
            // local traffic goes on: a2 (same node as the sender) keeps receiving
            int seen = latestTraffic(a2, 500);
            assertTrue(latestTraffic(a2, 1000) > seen, "a2 received nothing new while Redis was down");
            // a node still admits connections; cluster-wide operations answer clearly instead of hanging
            try (WsClient probe = connect(a, null)) {
                probe.callError("join_room", data("room_id", unique("while-down")), 1007);
                probe.callError("direct_message", data("target_id", b1.userId, "content", "x"), 1007);
            }
            assertProblem(admin(a, "GET", "stats", null), 503);

            redis.start();
            eventually("node A ready again", () -> status(a, "/health/ready") == 200);
            eventually("node B ready again", () -> status(b, "/health/ready") == 200);
            sending.set(false);
            traffic.join();
            eventually("both nodes subscribed to the room again", () -> numsub(roomChannel(room)) == 2);
            drainFrames(a2);
            drainFrames(b1);
            assertRoomDeliveredOnce(room, a1, a2, b1);
            assertRoomDeliveredOnce(room, b1, a1, a2);
            // Redis lost its data; the nodes wrote their state again
            eventually("membership registered again", () -> memberIds(c, room).size() == 3);
            try (Jedis jedis = redis.client()) {
                for (String node : List.of("node-a", "node-b", "node-c")) {
                    assertEquals(1, jedis.clientList().lines().filter(line -> line.contains("name=wshub-sub-" + node
                            + " ")).count(), "one subscriber connection per node after the restart");
                }
                // and no connection piles up across the reconnection: at most the pools (16 each) and the test's
                long all = jedis.clientList().lines().count();
                assertTrue(all <= 5 * (16 + 1) + 1, jedis.clientList());
            }
            assertTrue(metric(a, "wshub_bus_reconnects_total") >= 1);
        }
    }

    /** A node that died: its members leave every room (admin-created ones too) and nothing of it stays in Redis. */
    @Test
    void aKilledNodeLeavesNothingBehind() throws Exception {
        String room = unique("crash");
        String created = unique("kept");
        assertEquals(201, admin(a, "POST", "rooms", "{\"room_id\":\"" + created + "\"}").status());
        List<WsClient> onD = new ArrayList<>();
        try (WsClient onA = connect(a, null)) {
            join(room, onA);
            join(created, onA);
            for (int i = 0; i < 20; i++) {
                WsClient client = connect(d, unique("on-d"));
                join(room, client);
                join(created, client);
                onD.add(client);
            }
            assertEquals(21, admin(a, "GET", "rooms/" + room, null).json().getInt("members"));
            d.kill();
            eventually("D's members left both rooms", () -> memberIds(a, room).equals(Set.of(onA.clientId))
                    && memberIds(a, created).equals(Set.of(onA.clientId)));
            assertProblem(admin(b, "GET", "users/" + onD.get(0).userId, null), 404);
            eventually("D is gone from the nodes", () -> admin(b, "GET", "stats", null).json()
                    .getJsonArray("nodes").stream().noneMatch(n -> n.asJsonObject().getString("node_id")
                            .equals("node-d")));
            eventually("nothing of D's connections is left in Redis", () -> {
                try (Jedis jedis = redis.client()) {
                    return onD.stream().noneMatch(client -> jedis.exists(PREFIX + ":client:" + client.clientId)
                            || jedis.exists(PREFIX + ":client-rooms:" + client.clientId)
                            || jedis.exists(PREFIX + ":user:" + client.userId)
                            || jedis.sismember(PREFIX + ":clients", client.clientId))
                            && jedis.hlen(PREFIX + ":members:" + room) == 1
                            && jedis.hlen(PREFIX + ":members:" + created) == 1
                            && !jedis.exists(PREFIX + ":node:node-d")
                            && !jedis.exists(PREFIX + ":node-clients:node-d")
                            && jedis.keys(PREFIX + ":dead:*").isEmpty();
                }
            });
            onA.call("ping", data(), "pong");
        } finally {
            onD.forEach(WsClient::abort);
        }
    }

    /**
     * SIGTERM: the node tells each client to come back later, closes it with 1012, and leaves the directory at once:
     * the other nodes stop listing its clients within a second, not after the TTL.
     */
    @Test
    void aStoppingNodeTellsItsClientsAndLeavesTheDirectoryAtOnce() throws Exception {
        String room = unique("leaving");
        List<WsClient> onE = new ArrayList<>();
        try (WsClient onA = connect(a, null)) {
            join(room, onA);
            for (int i = 0; i < 10; i++) {
                WsClient client = connect(e, null);
                join(room, client);
                onE.add(client);
            }
            Set<String> ids = onE.stream().map(client -> client.clientId).collect(Collectors.toSet());
            assertTrue(clientIds(a).containsAll(ids));
            long stopping = System.currentTimeMillis();
            Thread stopper = new Thread(e::stop);
            stopper.start();
            eventually("A no longer lists E's clients", () -> clientIds(a).stream().noneMatch(ids::contains)
                    && memberIds(a, room).equals(Set.of(onA.clientId)));
            long gone = System.currentTimeMillis() - stopping;
            Set<Long> reconnectAfter = new java.util.HashSet<>();
            for (WsClient client : onE) {
                JsonObject shutdown = client.expect("shutdown");
                long after = shutdown.getJsonObject("data").getJsonNumber("reconnect_after_ms").longValue();
                assertTrue(after >= 0 && after <= 3000, shutdown.toString());
                reconnectAfter.add(after);
                assertEquals(1012, client.awaitClose(10_000));
                assertEquals("service restart", client.closeReason());
            }
            stopper.join(30_000);
            assertFalse(e.isAlive());
            assertTrue(gone < 1000 + TTL_MILLIS / 3, "gone from the directory " + gone + " ms after SIGTERM");
            String log = e.output();
            assertFalse(log.contains("SEVERE"), "a clean stop logs nothing severe:\n" + log);
            assertTrue(onE.stream().map(client -> client.next(0)).allMatch(java.util.Objects::isNull));
            assertTrue(reconnectAfter.size() > 1, "spread, so that they do not all come back at once: "
                    + reconnectAfter);
        } finally {
            onE.forEach(WsClient::abort);
        }
    }

    /** Reads frames for {@code millis} and returns the highest traffic number among them (-1 for none). */
    private static int latestTraffic(WsClient client, long millis) {
        int latest = -1;
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            JsonObject frame = client.next(Math.max(1, deadline - System.currentTimeMillis()));
            if (frame != null && "room_message".equals(frame.getString("message_type"))) {
                String content = frame.getJsonObject("data").getString("content");
                latest = Math.max(latest, Integer.parseInt(content.substring("traffic-".length())));
            }
        }
        return latest;
    }

    private static void drainFrames(WsClient client) {
        while (client.next(200) != null) {
            // skip what arrived so far
        }
    }

    private static int status(PayaraNode node, String path) {
        try {
            return WsClient.HTTP.send(HttpRequest.newBuilder(node.http(path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception ex) {
            return -1;
        }
    }

    private static String body(PayaraNode node, String path) throws Exception {
        return WsClient.HTTP.send(HttpRequest.newBuilder(node.http(path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(PayaraNode node, String name) throws Exception {
        return body(node, "/metrics").lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
