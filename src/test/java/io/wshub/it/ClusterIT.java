package io.wshub.it;

import io.wshub.it.AdminIT.Answer;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static io.wshub.it.HubIT.data;
import static io.wshub.it.HubIT.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real Payara Micro nodes (the packaged WAR) and a real redis-server: every operation across nodes, exactly
 * once; no room traffic to nodes without members; Redis killed and restarted mid-traffic; a node killed and its
 * members expiring elsewhere; room capacity under concurrent joins from two nodes. Node C is killed by the last test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "cluster-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());
    static final String PREFIX = "wshub";

    static RedisProcess redis;
    static PayaraNode a;
    static PayaraNode b;
    static PayaraNode c;

    @BeforeAll
    static void start() {
        redis = new RedisProcess(Path.of("target", "cluster-it", "redis")).start();
        a = PayaraNode.launch("node-a", environment("node-a"));
        b = PayaraNode.launch("node-b", environment("node-b"));
        c = PayaraNode.launch("node-c", environment("node-c"));
        a.awaitReady();
        b.awaitReady();
        c.awaitReady();
    }

    static Map<String, String> environment(String nodeId) {
        Map<String, String> env = new HashMap<>();
        env.put("WSHUB_BUS", "redis");
        env.put("WSHUB_REDIS_URL", redis.url());
        env.put("WSHUB_NODE_ID", nodeId);
        env.put("WSHUB_CLUSTER_NODE_TTL", "3");
        env.put("WSHUB_ALLOW_QUERY_CLIENT_ID", "true");
        env.put("WSHUB_LIMITS_MAX_CONNECTIONS_PER_USER", "3");
        env.put("WSHUB_SESSION_SINGLE_PER_PLATFORM", "true");
        for (String line : TOKENS.mpJwtConfig().split("\n")) {
            String[] keyValue = line.split("=", 2);
            env.put(keyValue[0].toUpperCase().replace('.', '_'), keyValue[1]);
        }
        return env;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[]{a, b, c, redis}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep stopping the others
            }
        }
    }

    static WsClient connect(PayaraNode node, String user) {
        return WsClient.connect(node.ws(user == null ? "" : "?client_id=" + user));
    }

    static Answer admin(PayaraNode node, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.http("/api/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json");
        HttpResponse<String> response = WsClient.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                response.body());
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

    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not within 20 s: " + what);
    }

    @Test
    @Order(1)
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
    @Order(2)
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
                long subscribers = jedis.clientList().lines().filter(line -> line.contains("name=wshub-sub-"))
                        .count();
                assertEquals(3, subscribers, jedis.clientList());
            }
        }
    }

    @Test
    @Order(3)
    void directMessagesReachAUserOnEveryNodeOnce() {
        String user = unique("multi");
        try (WsClient onA = connect(a, user); WsClient onB = connect(b, user); WsClient onC = connect(c, user);
             WsClient sender = connect(b, null)) {
            sender.request("direct_message", data("target_id", user, "content", "one"));
            sender.request("direct_message", data("target_id", user, "content", "two"));
            for (WsClient receiver : List.of(onA, onB, onC)) {
                assertEquals("one", receiver.expect("direct_message").getJsonObject("data").getString("content"));
                assertEquals("two", receiver.expect("direct_message").getJsonObject("data").getString("content"));
            }
            sender.expectNothing(300);
            sender.callError("direct_message", data("target_id", unique("nobody"), "content", "x"), 4001);
        }
    }

    @Test
    @Order(4)
    void broadcastReachesEveryConnectionOfEveryNodeOnce() throws Exception {
        try (WsClient onA = connect(a, null); WsClient onB = connect(b, null); WsClient onC = connect(c, null)) {
            Answer answer = admin(b, "POST", "broadcast", AdminIT.push("notice", data("n", 1)));
            assertEquals(202, answer.status(), answer.body());
            assertTrue(answer.json().getInt("delivered") >= 3, answer.body());
            admin(b, "POST", "broadcast", AdminIT.push("notice", data("n", 2)));
            for (WsClient client : List.of(onA, onB, onC)) {
                assertEquals(1, client.expect("notice").getJsonObject("data").getInt("n"));
                assertEquals(2, client.expect("notice").getJsonObject("data").getInt("n"));
            }
        }
    }

    @Test
    @Order(5)
    void adminMessagesAndKicksReachConnectionsOnOtherNodes() throws Exception {
        String user = unique("kicked");
        try (WsClient target = connect(b, null); WsClient u1 = connect(a, user); WsClient u2 = connect(c, user)) {
            assertEquals(202, admin(a, "POST", "clients/" + target.clientId + "/messages",
                    AdminIT.push("hello", data("k", "v"))).status());
            assertEquals("v", target.expect("hello").getJsonObject("data").getString("k"));
            Answer toUser = admin(b, "POST", "users/" + user + "/messages", AdminIT.push("hi", data()));
            assertEquals(2, toUser.json().getInt("delivered"), toUser.body());
            u1.expect("hi");
            u2.expect("hi");

            assertEquals(204, admin(a, "DELETE", "clients/" + target.clientId + "?reason=bye", null).status());
            assertEquals(4002, target.awaitClose(10_000));
            assertEquals("bye", target.closeReason());
            assertEquals(204, admin(b, "DELETE", "users/" + user + "?reason=banned", null).status());
            assertEquals(4002, u1.awaitClose(10_000));
            assertEquals(4002, u2.awaitClose(10_000));
            assertEquals("banned", u2.closeReason());
            AdminIT.assertProblem(admin(a, "DELETE", "clients/" + target.clientId, null), 404);
        }
    }

    @Test
    @Order(6)
    void serverSideJoinAndLeaveWorkForConnectionsOnOtherNodes() throws Exception {
        String room = unique("server-side");
        try (WsClient onA = connect(a, null); WsClient onB = connect(b, null)) {
            join(room, onA);
            assertEquals(204, admin(a, "PUT", "rooms/" + room + "/members/" + onB.clientId, null).status());
            assertEquals(room, onB.expect("room_joined").getJsonObject("data").getString("room_id"));
            AdminIT.assertProblem(admin(c, "PUT", "rooms/" + room + "/members/" + onB.clientId, null), 409);
            assertRoomDeliveredOnce(room, onA, onB);

            Answer members = admin(c, "GET", "rooms/" + room + "/members", null);
            Map<String, String> nodeOf = members.array().stream().map(JsonValue::asJsonObject).collect(
                    Collectors.toMap(m -> m.getString("client_id"), m -> m.getString("node_id")));
            assertEquals(Map.of(onA.clientId, "node-a", onB.clientId, "node-b"), nodeOf);
            Answer info = admin(b, "GET", "rooms/" + room, null);
            assertEquals(2, info.json().getInt("members"), info.body());
            Answer published = admin(c, "POST", "rooms/" + room + "/messages", AdminIT.push("news", data()));
            assertEquals(2, published.json().getInt("delivered"), published.body());
            onA.expect("news");
            onB.expect("news");

            assertEquals(204, admin(a, "DELETE", "rooms/" + room + "/members/" + onB.clientId, null).status());
            onB.expect("room_left");
            onA.request("room_message", data("room_id", room, "content", "after leave"));
            onB.expectNothing(500);
            AdminIT.assertProblem(admin(a, "DELETE", "rooms/" + room + "/members/" + onB.clientId, null), 404);
        }
    }

    @Test
    @Order(7)
    void deletingARoomTellsItsMembersOnEveryNode() throws Exception {
        String room = unique("deleted");
        assertEquals(201, admin(a, "POST", "rooms", "{\"room_id\":\"" + room + "\"}").status());
        AdminIT.assertProblem(admin(b, "POST", "rooms", "{\"room_id\":\"" + room + "\"}"), 409);
        try (WsClient onB = connect(b, null); WsClient onC = connect(c, null)) {
            join(room, onB, onC);
            assertEquals(204, admin(a, "DELETE", "rooms/" + room, null).status());
            onB.expect("room_left");
            onC.expect("room_left");
            AdminIT.assertProblem(admin(c, "GET", "rooms/" + room, null), 404);
            eventually("no node subscribed", () -> numsub(roomChannel(room)) == 0);
        }
    }

    @Test
    @Order(8)
    void statsAndLookupsCoverTheWholeCluster() throws Exception {
        String user = unique("looked-up");
        String room = unique("stats");
        try (WsClient onA = connect(a, user); WsClient onC = connect(c, user); WsClient other = connect(b, null)) {
            join(room, onA, other);
            JsonObject stats = admin(b, "GET", "stats", null).json();
            assertEquals("node-b", stats.getString("node_id"));
            Map<String, JsonObject> nodes = stats.getJsonArray("nodes").stream().map(JsonValue::asJsonObject)
                    .collect(Collectors.toMap(n -> n.getString("node_id"), n -> n));
            assertEquals(Set.of("node-a", "node-b", "node-c"), nodes.keySet(), stats.toString());
            int perNode = nodes.values().stream().mapToInt(n -> n.getInt("clients")).sum();
            assertEquals(stats.getInt("clients"), perNode, stats.toString());
            assertTrue(nodes.get("node-a").getInt("clients") >= 1 && nodes.get("node-c").getInt("clients") >= 1);
            assertTrue(stats.getInt("rooms") >= 1 && stats.getInt("users") >= 2, stats.toString());

            JsonObject found = admin(b, "GET", "users/" + user, null).json();
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
    @Order(9)
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
    @Order(10)
    void theConnectionLimitPerUserHoldsAcrossNodes() throws Exception {
        String user = unique("per-user");
        try (WsClient first = connect(a, user); WsClient second = connect(b, user); WsClient third = connect(c, user)) {
            WsClient fourth = WsClient.open(a.ws("?client_id=" + user));
            fourth.expectError(4003);
            assertEquals(1008, fourth.awaitClose(10_000));
            assertEquals(3, admin(b, "GET", "users/" + user, null).json().getJsonArray("connections").size());
            assertTrue(!first.isClosed() && !second.isClosed() && !third.isClosed());
            // a place frees up when one goes, wherever it was
            second.close();
            eventually("second is gone", () -> {
                try {
                    return admin(a, "GET", "users/" + user, null).json().getJsonArray("connections").size() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
            try (WsClient again = connect(a, user)) {
                again.call("ping", data(), "pong");
            }
        }
    }

    @Test
    @Order(11)
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

    @Test
    @Order(20)
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
                    } catch (InterruptedException e) {
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
            AdminIT.assertProblem(admin(a, "GET", "stats", null), 503);

            redis.start();
            eventually("node A ready again", () -> status(a, "/health/ready") == 200);
            eventually("node B ready again", () -> status(b, "/health/ready") == 200);
            sending.set(false);
            traffic.join();
            eventually("both nodes subscribed to the room again", () -> numsub(roomChannel(room)) == 2);
            drain(a2);
            drain(b1);
            assertRoomDeliveredOnce(room, a1, a2, b1);
            assertRoomDeliveredOnce(room, b1, a1, a2);
            // Redis lost its data; the nodes wrote their state again
            eventually("membership re-registered", () -> {
                try {
                    Answer members = admin(c, "GET", "rooms/" + room + "/members", null);
                    return members.status() == 200 && members.array().size() == 3;
                } catch (Exception e) {
                    return false;
                }
            });
            try (Jedis jedis = redis.client()) {
                long subscribers = jedis.clientList().lines().filter(line -> line.contains("name=wshub-sub-"))
                        .count();
                assertEquals(3, subscribers, "one subscriber connection per node after the restart");
                // and no connection piles up across the reconnection: at most the pools (16 each) and the test's
                long all = jedis.clientList().lines().count();
                assertTrue(all <= 3 * (16 + 1) + 1, jedis.clientList());
            }
            assertTrue(metric(a, "wshub_bus_reconnects_total") >= 1);
        }
    }

    @Test
    @Order(30)
    void aKilledNodesMembersExpireFromRoomsOnTheOtherNodes() throws Exception {
        String room = unique("crash");
        String user = unique("crashed-user");
        try (WsClient onA = connect(a, null); WsClient onC = connect(c, user)) {
            join(room, onA, onC);
            assertEquals(2, admin(a, "GET", "rooms/" + room, null).json().getInt("members"));
            c.kill();
            eventually("C's member expired from the room", () -> {
                try {
                    Answer members = admin(a, "GET", "rooms/" + room + "/members", null);
                    return members.array().size() == 1
                            && members.array().getJsonObject(0).getString("client_id").equals(onA.clientId);
                } catch (Exception e) {
                    return false;
                }
            });
            AdminIT.assertProblem(admin(b, "GET", "users/" + user, null), 404);
            JsonObject stats = admin(b, "GET", "stats", null).json();
            assertTrue(stats.getJsonArray("nodes").stream()
                    .noneMatch(n -> n.asJsonObject().getString("node_id").equals("node-c")), stats.toString());
            onA.call("ping", data(), "pong");
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

    private static void drain(WsClient client) {
        while (client.next(200) != null) {
            // skip what arrived so far
        }
    }

    private static int status(PayaraNode node, String path) {
        try {
            return WsClient.HTTP.send(HttpRequest.newBuilder(node.http(path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
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
