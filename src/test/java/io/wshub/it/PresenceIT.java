package io.wshub.it;

import io.wshub.admin.Views;
import io.wshub.admin.client.WshubAdminClient;
import io.wshub.admin.client.WshubAdminException;
import io.wshub.it.AdminApi.Answer;
import io.wshub.it.app.PresenceEventLog;
import io.wshub.it.app.PresenceEventsHandler;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.wshub.it.TestData.eventuallyHolds;
import static io.wshub.it.AdminApi.assertProblem;
import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, presence, on three real Payara Micro nodes (the packaged WAR plus a test observer of the presence CDI
 * events) sharing a real redis-server: user_online / user_offline exactly once per transition of a user, across nodes
 * and when a node is killed; presence and presence_stats exact after 1,000 concurrent joins and leaves on two nodes;
 * member_joined / member_left across nodes, by leave, disconnect and node death, and none for rooms without events;
 * the permission and bad-input rules; truncation; the admin API and its typed client; metrics; CDI events.
 * <p>
 * Nodes A and B live for the whole class. Node C has {@code wshub.rooms.join-leave-events=true},
 * {@code wshub.presence.max-list=5}, {@code wshub.presence.max-watched=3} and
 * {@code wshub.presence.last-seen-ttl=2}, and is killed by the next to last test; B is stopped by the last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceIT {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "presence-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());
    /** Seconds: C's entries expire that long after its last heartbeat; a heartbeat every third of it. */
    static final int NODE_TTL = 3;
    /** A and B, which sweep C: a heartbeat every 2 s, and no false death of theirs when the machine is busy. */
    static final int SURVIVOR_TTL = 6;
    static final int C_MAX_LIST = 5;
    static final int C_MAX_WATCHED = 3;
    /** Seconds C keeps the last-seen time of a user whose last connection C removed. */
    static final int C_LAST_SEEN_TTL = 2;

    static RedisProcess redis;
    static PayaraNode a;
    static PayaraNode b;
    static PayaraNode c;

    @BeforeAll
    static void start() throws Exception {
        redis = new RedisProcess(Path.of("target", "presence-it", "redis")).start();
        String war = testWar();
        a = PayaraNode.launch("presence-a", environment("presence-a", SURVIVOR_TTL), war);
        b = PayaraNode.launch("presence-b", environment("presence-b", SURVIVOR_TTL), war);
        Map<String, String> envC = environment("presence-c", NODE_TTL);
        envC.put("WSHUB_ROOMS_JOIN_LEAVE_EVENTS", "true");
        envC.put("WSHUB_PRESENCE_MAX_LIST", Integer.toString(C_MAX_LIST));
        envC.put("WSHUB_PRESENCE_MAX_WATCHED", Integer.toString(C_MAX_WATCHED));
        envC.put("WSHUB_PRESENCE_LAST_SEEN_TTL", Integer.toString(C_LAST_SEEN_TTL));
        c = PayaraNode.launch("presence-c", envC, war);
        // three boots at once on a shared two-core machine: more time than one boot needs
        a.awaitReady(480);
        b.awaitReady(240);
        c.awaitReady(240);
    }

    /** The packaged WAR with the test observer of the presence CDI events and its handler added. */
    static String testWar() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "presence-it"));
        File file = dir.resolve("wshub-presence-it.war").toFile();
        WebArchive war = ShrinkWrap.createFromZipFile(WebArchive.class, new File("target/wshub.war"))
                .addClasses(PresenceEventLog.class, PresenceEventsHandler.class);
        war.as(ZipExporter.class).exportTo(file, true);
        return file.getPath();
    }

    static Map<String, String> environment(String nodeId, int nodeTtl) {
        Map<String, String> env = new HashMap<>();
        env.put("WSHUB_BUS", "redis");
        env.put("WSHUB_REDIS_URL", redis.url());
        env.put("WSHUB_NODE_ID", nodeId);
        env.put("WSHUB_CLUSTER_NODE_TTL", Integer.toString(nodeTtl));
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
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A connection of {@code userId} with a token without permissions claim (it may do everything). */
    static WsClient user(PayaraNode node, String userId, String platform) {
        return WsClient.connectWithHeader(node.ws(platform == null ? "" : "?platform=" + platform),
                TOKENS.valid(userId));
    }

    /** A connection of {@code userId} whose token grants exactly {@code permissions}. */
    static WsClient userWith(PayaraNode node, String userId, String... permissions) {
        JsonArrayBuilder granted = Json.PROVIDER.createArrayBuilder();
        for (String permission : permissions) {
            granted.add(permission);
        }
        return WsClient.connectWithHeader(node.ws(""), TOKENS.rs256(TestTokens.claims(userId)
                .add("permissions", granted).build()));
    }

    static JsonObject data(JsonObject frame) {
        return frame.getJsonObject("data");
    }

    static JsonArray ids(String... ids) {
        JsonArrayBuilder array = Json.PROVIDER.createArrayBuilder();
        for (String id : ids) {
            array.add(id);
        }
        return array.build();
    }

    static JsonObject join(WsClient client, String room) {
        JsonObject joined = data(client.call("join_room", TestData.data("room_id", room), "room_joined"));
        assertEquals("joined", joined.getString("status"), joined.toString());
        return joined;
    }

    static void leave(WsClient client, String room) {
        JsonObject left = data(client.call("leave_room", TestData.data("room_id", room), "room_left"));
        assertEquals("left", left.getString("status"), left.toString());
    }

    static JsonObject stats(WsClient client, String room) {
        JsonObject stats = data(client.call("presence_stats", TestData.data("room_id", room), "presence_stats"));
        assertEquals(room, stats.getString("room_id"));
        return stats;
    }

    static JsonObject presence(WsClient client, String room) {
        JsonObject presence = data(client.call("presence", TestData.data("room_id", room), "presence"));
        assertEquals(room, presence.getString("room_id"));
        return presence;
    }

    /** The statuses of a {@code user_status} reply. */
    static JsonObject status(WsClient client, String... userIds) {
        return data(client.call("user_status", TestData.data("user_ids", ids(userIds)), "user_status"))
                .getJsonObject("statuses");
    }

    static JsonObject watch(WsClient client, String... userIds) {
        return data(client.call("watch_users", TestData.data("user_ids", ids(userIds)), "users_watched"))
                .getJsonObject("statuses");
    }

    static void assertOffline(JsonObject status, Long lastSeen) {
        assertFalse(status.getBoolean("online"), status.toString());
        assertEquals(0, status.getJsonArray("platforms").size(), status.toString());
        if (lastSeen == null) {
            assertEquals(JsonValue.NULL, status.get("last_seen"), status.toString());
        } else {
            assertEquals(lastSeen.longValue(), status.getJsonNumber("last_seen").longValue(), status.toString());
        }
    }

    static void assertOnline(JsonObject status, long notBefore, long notAfter, String... platforms) {
        assertTrue(status.getBoolean("online"), status.toString());
        assertEquals(List.of(platforms), status.getJsonArray("platforms").getValuesAs(
                jakarta.json.JsonString.class).stream().map(jakarta.json.JsonString::getString).toList(),
                status.toString());
        long lastSeen = status.getJsonNumber("last_seen").longValue();
        assertTrue(lastSeen >= notBefore && lastSeen <= notAfter,
                "last_seen of an online user is the time of the answer: " + status + " not in [" + notBefore + ", "
                        + notAfter + "]");
    }

    /** The next frame is {@code user_online} of {@code userId} with {@code platform}. */
    static void expectOnline(WsClient watcher, String userId, String platform) {
        JsonObject online = data(watcher.expect("user_online"));
        assertEquals(userId, online.getString("user_id"), online.toString());
        assertEquals(platform, online.getString("platform"), online.toString());
    }

    /** The next frame is {@code user_offline} of {@code userId}; returns its last_seen. */
    static long expectOffline(WsClient watcher, String userId) {
        JsonObject offline = data(watcher.expect("user_offline"));
        assertEquals(userId, offline.getString("user_id"), offline.toString());
        return offline.getJsonNumber("last_seen").longValue();
    }

    static void expectMember(WsClient member, String type, String room, WsClient subject) {
        JsonObject event = data(member.expect(type));
        assertEquals(room, event.getString("room_id"), event.toString());
        assertEquals(subject.userId, event.getString("user_id"), event.toString());
        assertEquals(subject.clientId, event.getString("client_id"), event.toString());
    }

    static Answer admin(PayaraNode node, String method, String path, String body) throws Exception {
        return new AdminApi(node.http("/api/"), ADMIN).call(method, path, body);
    }

    static String createRoom(PayaraNode node, Boolean joinLeaveEvents) throws Exception {
        String room = unique("room");
        String body = joinLeaveEvents == null ? "{\"room_id\":\"" + room + "\"}"
                : "{\"room_id\":\"" + room + "\",\"join_leave_events\":" + joinLeaveEvents + "}";
        Answer created = admin(node, "POST", "rooms", body);
        assertEquals(201, created.status(), created.body());
        return room;
    }

    /** The presence CDI events node observed that mention {@code part} (asked through the test handler). */
    static List<String> cdiEvents(PayaraNode node, String part) {
        try (WsClient inspector = WsClient.connect(node.ws(""))) {
            return data(inspector.call("test_presence_events", TestData.data("part", part), "test_presence_events"))
                    .getJsonArray("events").getValuesAs(jakarta.json.JsonString.class).stream()
                    .map(jakarta.json.JsonString::getString).toList();
        }
    }

    /** The CDI events of every node in {@code nodes} that start with {@code prefix}. */
    static List<String> cdiEvents(List<PayaraNode> nodes, String prefix, String part) {
        List<String> all = new ArrayList<>();
        for (PayaraNode node : nodes) {
            cdiEvents(node, part).stream().filter(e -> e.startsWith(prefix))
                    .map(e -> node.port + " " + e).forEach(all::add);
        }
        return all;
    }

    /** Waits until exactly one matching CDI event exists in the cluster, then a little more to see no second one. */
    static String exactlyOneCdiEvent(List<PayaraNode> nodes, String prefix, String part) throws Exception {
        TestData.eventually(prefix + " " + part + " observed", 10_000,
                () -> !cdiEvents(nodes, prefix, part).isEmpty());
        Thread.sleep(500);
        List<String> events = cdiEvents(nodes, prefix, part);
        assertEquals(1, events.size(), "one CDI event per transition: " + events);
        return events.get(0);
    }

    static Set<String> entries(JsonObject presence) {
        return presence.getJsonArray("clients").stream().map(JsonValue::asJsonObject)
                .map(m -> m.getString("client_id") + "|" + m.getString("user_id") + "|" + m.getString("node_id"))
                .collect(Collectors.toSet());
    }

    // ------------------------------------------------------------------ user_online / user_offline

    /**
     * A watcher on A of a user never seen: {@code users_watched} says offline, last_seen null. The user connects on B
     * (web) and then on A (ios): one {@code user_online} with web. The B connection goes: nothing; the A one goes: one
     * {@code user_offline}, whose last_seen {@code user_status} then reports. A new connection is a new transition:
     * {@code user_online} again. The CDI events fire once per transition in the whole cluster, on the node whose
     * connection caused it.
     */
    @Test
    void aWatcherOnASeesEachTransitionOfAUserOnBExactlyOnce() throws Exception {
        String user = unique("watched");
        try (WsClient watcher = WsClient.connect(a.ws(""))) {
            JsonObject initial = watch(watcher, user);
            assertEquals(Set.of(user), initial.keySet());
            assertOffline(initial.getJsonObject(user), null);

            WsClient web = user(b, user, "web");
            expectOnline(watcher, user, "web");
            WsClient ios = user(a, user, "ios");
            watcher.expectNothing(1000); // not once per connection or platform

            long before = System.currentTimeMillis();
            JsonObject online = status(watcher, user).getJsonObject(user);
            assertOnline(online, before, System.currentTimeMillis(), "ios", "web");

            web.close();
            web.awaitClose(10_000);
            watcher.expectNothing(1000); // the user still has its ios connection
            assertOnline(status(watcher, user).getJsonObject(user), before, System.currentTimeMillis(), "ios");

            long closing = System.currentTimeMillis();
            ios.close();
            long lastSeen = expectOffline(watcher, user);
            assertTrue(lastSeen >= closing && lastSeen <= System.currentTimeMillis(), "last_seen " + lastSeen);
            watcher.expectNothing(1000);
            assertOffline(status(watcher, user).getJsonObject(user), lastSeen);

            List<PayaraNode> nodes = List.of(a, b, c);
            String onlineEvent = exactlyOneCdiEvent(nodes, "user_online", " " + user + " ");
            assertTrue(onlineEvent.startsWith(b.port + " user_online " + user + " web"), onlineEvent);
            String offlineEvent = exactlyOneCdiEvent(nodes, "user_offline", " " + user + " ");
            assertTrue(offlineEvent.startsWith(a.port + " user_offline " + user + " " + lastSeen), offlineEvent);

            try (WsClient again = user(b, user, "android")) {
                expectOnline(watcher, user, "android");
            }
            expectOffline(watcher, user);
            watcher.expectNothing(500);
        }
    }

    /**
     * Ten connections of one user open at once, half on A, half on B, then all close at once: the directory decides
     * the transitions atomically, so the watcher sees one user_online and one user_offline, and the cluster fires one
     * CDI event of each.
     */
    @Test
    void concurrentConnectionsOfOneUserOnTwoNodesMakeOneTransitionEach() throws Exception {
        String user = unique("crowded");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try (WsClient watcher = WsClient.connect(b.ws(""))) {
            watch(watcher, user);
            List<Future<WsClient>> opening = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                PayaraNode node = i % 2 == 0 ? a : b;
                opening.add(pool.submit(() -> user(node, user, "web")));
            }
            List<WsClient> connections = new ArrayList<>();
            for (Future<WsClient> f : opening) {
                connections.add(f.get(60, TimeUnit.SECONDS));
            }
            expectOnline(watcher, user, "web");
            watcher.expectNothing(1000);
            List<Future<?>> closing = new ArrayList<>();
            for (WsClient connection : connections) {
                closing.add(pool.submit(() -> connection.close()));
            }
            for (Future<?> f : closing) {
                f.get(60, TimeUnit.SECONDS);
            }
            expectOffline(watcher, user);
            watcher.expectNothing(1000);
            List<PayaraNode> nodes = List.of(a, b, c);
            exactlyOneCdiEvent(nodes, "user_online", " " + user + " ");
            exactlyOneCdiEvent(nodes, "user_offline", " " + user + " ");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A user hands over between nodes 40 times: its connection on one node closes while a new one opens on the
     * other. Whatever the interleaving, what a watcher receives must alternate user_online / user_offline (a
     * transition is never told twice in a row), and the last thing it hears must be the user's real state.
     */
    @Test
    void aWatcherSeesTransitionsInTheirOrderWhenAUserHandsOverBetweenNodes() throws Exception {
        String user = unique("handover");
        try (WsClient watcher = WsClient.connect(c.ws(""))) {
            watch(watcher, user);
            WsClient current = user(a, user, "web");
            for (int i = 0; i < 40; i++) {
                PayaraNode target = i % 2 == 0 ? b : a;
                java.util.concurrent.CompletableFuture<WsClient> next =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> user(target, user, "web"));
                Thread.sleep(i % 5);
                if (i % 3 == 0) {
                    current.abort();
                } else {
                    current.close();
                }
                current = next.get(30, TimeUnit.SECONDS);
            }
            current.close();
            List<String> heard = new ArrayList<>();
            JsonObject frame;
            while ((frame = watcher.next(3000)) != null) {
                heard.add(frame.getString("message_type"));
            }
            for (int i = 0; i < heard.size(); i++) {
                assertEquals(i % 2 == 0 ? "user_online" : "user_offline", heard.get(i),
                        "transitions must alternate; heard " + heard);
            }
            assertEquals("user_offline", heard.get(heard.size() - 1), "the user is offline at the end: " + heard);
        }
    }

    /**
     * A user connects and disconnects 30 times in quick succession on A: the transitions are decided in order on A's
     * cluster thread, so the watcher on B must hear them alternate, and an application observing the CDI events on A
     * must see UserOnline and UserOffline alternate too, even when its UserOnline observer takes its time (an
     * observer that sees offline before online of the same user believes it online for good).
     */
    @Test
    void quickReconnectsAreToldInTheirOrder() throws Exception {
        String user = unique(PresenceEventLog.SLOW + "flapping"); // its UserOnline observer takes 50 ms
        int rounds = 30;
        try (WsClient watcher = WsClient.connect(b.ws(""))) {
            watch(watcher, user);
            for (int i = 0; i < rounds; i++) {
                WsClient connection = user(a, user, "web");
                connection.close();
                connection.awaitClose(10_000);
            }
            List<String> heard = new ArrayList<>();
            JsonObject frame;
            while (heard.size() < 2 * rounds && (frame = watcher.next(10_000)) != null) {
                heard.add(frame.getString("message_type"));
            }
            watcher.expectNothing(500);
            assertEquals(2 * rounds, heard.size(), "one online and one offline per round: " + heard);
            for (int i = 0; i < heard.size(); i++) {
                assertEquals(i % 2 == 0 ? "user_online" : "user_offline", heard.get(i), "watcher heard " + heard);
            }
            eventuallyHolds("every CDI event observed", () -> cdiEvents(a, " " + user + " ").size() == 2 * rounds);
            List<String> observed = cdiEvents(a, " " + user + " ");
            for (int i = 0; i < observed.size(); i++) {
                assertTrue(observed.get(i).startsWith(i % 2 == 0 ? "user_online" : "user_offline"),
                        "CDI events observed out of order at " + i + ": " + observed);
            }
        }
    }

    /**
     * last_seen of an offline user is kept wshub.presence.last-seen-ttl seconds (2 on C, whose removal wrote it),
     * then null again; on A (default 30 days) it stays.
     */
    @Test
    void lastSeenIsForgottenAfterTheLastSeenTtl() throws Exception {
        String onC = unique("seen-c");
        String onA = unique("seen-a");
        try (WsClient asker = WsClient.connect(b.ws(""))) {
            user(c, onC, "web").close();
            user(a, onA, "web").close();
            eventuallyHolds("both offline", () -> {
                JsonObject statuses = status(asker, onC, onA);
                return !statuses.getJsonObject(onC).getBoolean("online")
                        && !statuses.getJsonObject(onA).getBoolean("online");
            });
            JsonObject statuses = status(asker, onC, onA);
            long seenC = statuses.getJsonObject(onC).getJsonNumber("last_seen").longValue();
            assertTrue(seenC > 0, statuses.toString());
            eventuallyHolds("C's last-seen expires", () -> status(asker, onC).getJsonObject(onC).isNull("last_seen"));
            assertOffline(status(asker, onC).getJsonObject(onC), null);
            assertTrue(System.currentTimeMillis() - seenC >= C_LAST_SEEN_TTL * 1000L - 100, "not before the TTL");
            assertFalse(status(asker, onA).getJsonObject(onA).isNull("last_seen"), "A keeps it 30 days");
        }
    }

    /** Watching oneself and an offline user is fine; a watcher on the user's own node sees it once too. */
    @Test
    void watchingOneselfAndAnOfflineUserIsFine() throws Exception {
        String self = unique("self");
        String other = unique("other");
        try (WsClient me = user(a, self, "web")) {
            long before = System.currentTimeMillis();
            JsonObject statuses = watch(me, self, other);
            assertOnline(statuses.getJsonObject(self), before, System.currentTimeMillis(), "web");
            assertOffline(statuses.getJsonObject(other), null);
            try (WsClient otherOnA = user(a, other, null)) {
                JsonObject online = data(me.expect("user_online"));
                assertEquals(other, online.getString("user_id"));
                assertEquals(JsonValue.NULL, online.get("platform"), "a connection without platform: null");
                me.expectNothing(500);
            }
            expectOffline(me, other);
            try (WsClient second = user(b, self, "ios")) {
                me.expectNothing(1000); // self was online already
            }
            me.expectNothing(500);
        }
    }

    /** {@code unwatch_users} echoes the named ids (each once) and stops the events; a departed watcher leaks none. */
    @Test
    void unwatchStopsTheEventsAndEchoesTheIds() throws Exception {
        String user = unique("unwatched");
        String never = unique("never");
        try (WsClient watcher = WsClient.connect(b.ws(""))) {
            watch(watcher, user);
            JsonObject unwatched = data(watcher.call("unwatch_users",
                    TestData.data("user_ids", ids(user, user, never)), "users_unwatched"));
            assertEquals(ids(user, never), unwatched.getJsonArray("user_ids"));
            try (WsClient target = user(a, user, "web")) {
                watcher.expectNothing(1500);
            }
            watcher.expectNothing(1000);
        }
    }

    // ------------------------------------------------------------------ node death

    /**
     * Node C holds user v (only there) and one of w's two connections (the other on B), and v's connection is a member
     * of a room with events, whose member m is on A. C is killed (SIGKILL): within the node TTL plus a heartbeat the
     * watcher on A gets one {@code user_offline} of v and none of w, m gets {@code member_left} of v's connection,
     * presence and counts forget C's entries, and the cluster fires one UserOffline and one MemberLeft CDI event.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void whenANodeIsKilledItsUsersGoOfflineAndItsMembersLeaveOnce() throws Exception {
        String v = unique("victim");
        String w = unique("survivor");
        String room = createRoom(a, true);
        try (WsClient watcher = WsClient.connect(a.ws(""));
             WsClient member = user(a, unique("member"), "web");
             WsClient wOnB = user(b, w, "ios")) {
            watch(watcher, v, w);
            join(member, room);
            WsClient vOnC = user(c, v, "android");
            expectOnline(watcher, v, "android");
            WsClient wOnC = user(c, w, "web");
            join(vOnC, room);
            expectMember(member, "member_joined", room, vOnC);
            watcher.expectNothing(500);
            assertEquals(2, stats(member, room).getInt("clients"));

            long killed = System.currentTimeMillis();
            c.kill();
            assertFalse(c.isAlive());
            long lastSeen = expectOffline(watcher, v);
            long elapsed = System.currentTimeMillis() - killed;
            System.out.println("PresenceIT: user_offline of the killed node's user after " + elapsed + " ms");
            // C's TTL, then A's or B's next heartbeat claims and sweeps it; slack for a busy machine
            long bound = NODE_TTL * 1000L + SURVIVOR_TTL * 1000L / 3 + 4000;
            assertTrue(elapsed <= bound, "user_offline after " + elapsed + " ms; bound " + bound);
            assertTrue(lastSeen >= killed, "last_seen " + lastSeen + " is when the sweep removed it");
            expectMember(member, "member_left", room, vOnC);
            watcher.expectNothing(1500); // once, and nothing for w, who is still on B
            member.expectNothing(500);

            JsonObject statuses = status(watcher, v, w);
            assertOffline(statuses.getJsonObject(v), lastSeen);
            assertOnline(statuses.getJsonObject(w), killed, System.currentTimeMillis(), "ios");
            JsonObject stats = stats(member, room);
            assertEquals(1, stats.getInt("clients"), stats.toString());
            assertEquals(1, stats.getInt("users"), stats.toString());
            assertEquals(Set.of(member.clientId + "|" + member.userId + "|presence-a"), entries(presence(member, room)));

            List<PayaraNode> survivors = List.of(a, b);
            exactlyOneCdiEvent(survivors, "user_offline", " " + v + " ");
            exactlyOneCdiEvent(survivors, "member_left", " " + vOnC.clientId);
            assertEquals(List.of(), cdiEvents(survivors, "user_offline", " " + w + " "));
            assertTrue(wOnC.clientId != null);
        }
    }

    /**
     * Node B stops gracefully (SIGTERM), after the kill test: its connections are told to go and closed, and its
     * entries removed. The watcher on A gets one user_offline of B's user, the member on A one member_left of B's
     * member, and presence forgets them.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void whenANodeStopsGracefullyItsUsersGoOfflineAndItsMembersLeaveOnce() throws Exception {
        String user = unique("leaving");
        String room = createRoom(a, true);
        try (WsClient watcher = WsClient.connect(a.ws(""));
             WsClient member = user(a, unique("stayer"), null)) {
            watch(watcher, user);
            join(member, room);
            WsClient onB = user(b, user, "web");
            expectOnline(watcher, user, "web");
            join(onB, room);
            expectMember(member, "member_joined", room, onB);

            b.stop();
            assertFalse(b.isAlive());
            long lastSeen = expectOffline(watcher, user);
            expectMember(member, "member_left", room, onB);
            watcher.expectNothing(1500);
            member.expectNothing(500);
            assertOffline(status(watcher, user).getJsonObject(user), lastSeen);
            JsonObject stats = stats(member, room);
            assertEquals(1, stats.getInt("clients"), stats.toString());
            assertEquals(1, stats.getInt("users"), stats.toString());
        }
    }

    // ------------------------------------------------------------------ presence and presence_stats

    /**
     * 200 connections of 40 users, alternately on A and B, each joins and leaves a room 5 times concurrently with the
     * others (1,000 joins and leaves, ending as members): presence_stats and presence are exact at once, from both
     * nodes, by message and by the admin API. Then each connection stays, leaves, closes or drops its TCP connection
     * (chosen at random): the counts and list follow exactly, and go to zero when everyone went.
     */
    @Test
    void presenceAndStatsAreExactAfterAThousandConcurrentJoinsAndLeavesOnBothNodes() throws Exception {
        String room = createRoom(a, null);
        String prefix = unique("crowd");
        int users = 40;
        int perUser = 5;
        int total = users * perUser;
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<WsClient> clients = Collections.synchronizedList(new ArrayList<>(Collections.nCopies(total, null)));
        try (WsClient observerA = WsClient.connect(a.ws("")); WsClient observerB = WsClient.connect(b.ws(""))) {
            List<Future<?>> connecting = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                int index = i;
                connecting.add(pool.submit(() -> clients.set(index,
                        user(index % 2 == 0 ? a : b, prefix + "-u" + (index / perUser), "web"))));
            }
            for (Future<?> f : connecting) {
                f.get(60, TimeUnit.SECONDS);
            }
            List<Future<?>> churn = new ArrayList<>();
            for (WsClient client : clients) {
                churn.add(pool.submit(() -> {
                    join(client, room);
                    leave(client, room);
                    join(client, room);
                    leave(client, room);
                    join(client, room);
                }));
            }
            for (Future<?> f : churn) {
                f.get(120, TimeUnit.SECONDS);
            }
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < total; i++) {
                expected.add(clients.get(i).clientId + "|" + prefix + "-u" + (i / perUser) + "|"
                        + (i % 2 == 0 ? "presence-a" : "presence-b"));
            }
            assertExact(room, observerA, observerB, expected, users);

            // each connection's fate: 0 stays, 1 leaves, 2 closes, 3 drops its TCP connection
            Random random = new Random(11);
            int[] fates = new int[total];
            Set<String> remaining = new HashSet<>();
            Set<String> remainingUsers = new TreeSet<>();
            for (int i = 0; i < total; i++) {
                fates[i] = random.nextInt(4);
                if (fates[i] == 0) {
                    remaining.add(clients.get(i).clientId + "|" + prefix + "-u" + (i / perUser) + "|"
                            + (i % 2 == 0 ? "presence-a" : "presence-b"));
                    remainingUsers.add(prefix + "-u" + (i / perUser));
                }
            }
            List<Future<?>> going = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                WsClient client = clients.get(i);
                int fate = fates[i];
                going.add(pool.submit(() -> {
                    switch (fate) {
                        case 1 -> leave(client, room);
                        case 2 -> client.close();
                        case 3 -> client.abort();
                        default -> {
                        }
                    }
                }));
            }
            for (Future<?> f : going) {
                f.get(60, TimeUnit.SECONDS);
            }
            eventuallyHolds("the departures are counted",
                    () -> stats(observerA, room).getInt("clients") == remaining.size());
            assertExact(room, observerA, observerB, remaining, remainingUsers.size());

            for (WsClient client : clients) {
                client.close();
            }
            eventuallyHolds("everyone left", () -> stats(observerB, room).getInt("clients") == 0);
            JsonObject empty = stats(observerA, room);
            assertEquals(0, empty.getInt("users"), empty.toString());
            assertEquals(Set.of(), entries(presence(observerA, room)));
        } finally {
            pool.shutdownNow();
            for (WsClient client : clients) {
                if (client != null) {
                    client.abort();
                }
            }
        }
    }

    /** presence_stats and presence of {@code room}, by message on A and B and by the admin API of both, are exact. */
    private static void assertExact(String room, WsClient observerA, WsClient observerB, Set<String> expected,
                                    int users) throws Exception {
        for (WsClient observer : List.of(observerA, observerB)) {
            JsonObject stats = stats(observer, room);
            assertEquals(expected.size(), stats.getInt("clients"), stats.toString());
            assertEquals(users, stats.getInt("users"), stats.toString());
            JsonObject presence = presence(observer, room);
            assertFalse(presence.getBoolean("truncated"));
            assertEquals(expected.size(), presence.getJsonArray("clients").size(), "no entry twice");
            assertEquals(expected, entries(presence));
            presence.getJsonArray("clients").forEach(m -> assertTrue(m.asJsonObject().getJsonNumber("joined_at")
                    .longValue() > 0, m.toString()));
        }
        for (PayaraNode node : List.of(a, b)) {
            Answer stats = admin(node, "GET", "rooms/" + room + "/presence_stats", null);
            assertEquals(200, stats.status(), stats.body());
            assertEquals(expected.size(), stats.json().getInt("clients"), stats.body());
            assertEquals(users, stats.json().getInt("users"), stats.body());
            Answer presence = admin(node, "GET", "rooms/" + room + "/presence", null);
            assertEquals(200, presence.status(), presence.body());
            assertEquals(expected, entries(presence.json()));
        }
    }

    /** presence lists at most wshub.presence.max-list members, truncated: true; the counts stay exact. */
    @Test
    void presenceIsTruncatedAtMaxList() throws Exception {
        String room = createRoom(a, null);
        List<WsClient> members = new ArrayList<>();
        try {
            for (int i = 0; i < C_MAX_LIST + 2; i++) {
                WsClient member = user(i % 2 == 0 ? c : a, unique("listed"), null);
                members.add(member);
                join(member, room);
            }
            JsonObject onC = presence(members.get(0), room);
            assertTrue(onC.getBoolean("truncated"), onC.toString());
            assertEquals(C_MAX_LIST, onC.getJsonArray("clients").size(), onC.toString());
            assertEquals(C_MAX_LIST + 2, stats(members.get(0), room).getInt("clients"));
            Answer adminOnC = admin(c, "GET", "rooms/" + room + "/presence", null);
            assertTrue(adminOnC.json().getBoolean("truncated"), adminOnC.body());
            assertEquals(C_MAX_LIST, adminOnC.json().getJsonArray("clients").size(), adminOnC.body());

            JsonObject onA = presence(members.get(1), room);
            assertFalse(onA.getBoolean("truncated"), onA.toString());
            assertEquals(C_MAX_LIST + 2, onA.getJsonArray("clients").size(), onA.toString());

            // exactly max-list members: all listed, not truncated
            members.remove(0).close();
            members.remove(0).close();
            eventuallyHolds("two fewer", () -> stats(members.get(0), room).getInt("clients") == C_MAX_LIST);
            JsonObject exact = presence(members.get(0), room);
            assertFalse(exact.getBoolean("truncated"), exact.toString());
            assertEquals(C_MAX_LIST, exact.getJsonArray("clients").size());
        } finally {
            members.forEach(WsClient::close);
        }
    }

    // ------------------------------------------------------------------ member_joined / member_left

    /**
     * A room with events (POST /api/rooms join_leave_events: true): m on A sees member_joined of a join on B and
     * member_left of a leave, a close and a dropped TCP connection on B; the connection that joins or leaves gets
     * none of its own, another connection of the same user does. MemberJoined / MemberLeft CDI events fire on the
     * node that made the change.
     */
    @Test
    void aMemberOnASeesJoinsAndLeavesOnB() throws Exception {
        String room = createRoom(a, true);
        Answer settings = admin(b, "GET", "rooms/" + room, null);
        assertEquals(200, settings.status(), settings.body());
        assertTrue(settings.json().getBoolean("join_leave_events"), settings.body());
        String xUser = unique("x");
        try (WsClient m = user(a, unique("m"), "web")) {
            join(m, room);
            WsClient x = user(b, xUser, "web");
            join(x, room);
            expectMember(m, "member_joined", room, x);
            x.expectNothing(500); // not its own

            WsClient x2 = user(b, xUser, "ios");
            join(x2, room);
            expectMember(m, "member_joined", room, x2);
            expectMember(x, "member_joined", room, x2); // the same user's other connection is told
            x2.expectNothing(300);

            leave(x, room);
            expectMember(m, "member_left", room, x);
            expectMember(x2, "member_left", room, x);
            x.expectNothing(300);

            x2.close();
            expectMember(m, "member_left", room, x2);

            WsClient y = user(b, unique("y"), null);
            join(y, room);
            expectMember(m, "member_joined", room, y);
            y.abort();
            expectMember(m, "member_left", room, y);
            m.expectNothing(1000); // each once
            x.close();

            List<PayaraNode> nodes = List.of(a, b, c);
            assertTrue(exactlyOneCdiEvent(nodes, "member_joined", " " + x.clientId)
                    .startsWith(b.port + " member_joined " + room + " " + xUser + " " + x.clientId));
            assertTrue(exactlyOneCdiEvent(nodes, "member_left", " " + x2.clientId)
                    .startsWith(b.port + " member_left " + room + " " + xUser + " " + x2.clientId));
            String thread = exactlyOneCdiEvent(nodes, "member_left", " " + y.clientId);
            assertFalse(thread.contains("thread=http-thread-pool"), "fired on a worker, not a socket thread: " + thread);
        }
    }

    /**
     * wshub.rooms.join-leave-events is false by default (A and B): a room auto-created there, or created with
     * join_leave_events false, sends no member events. Node C has it true: a room C auto-creates sends them.
     */
    @Test
    void roomsWithoutJoinLeaveEventsSendNone() throws Exception {
        String auto = unique("auto");
        String off = createRoom(a, false);
        String defaulted = createRoom(b, null);
        assertFalse(admin(a, "GET", "rooms/" + defaulted, null).json().getBoolean("join_leave_events"));
        try (WsClient m = user(a, unique("m"), null)) {
            join(m, auto);
            join(m, off);
            join(m, defaulted);
            for (String room : List.of(auto, off, defaulted)) {
                try (WsClient other = user(b, unique("quiet"), null)) {
                    join(other, room);
                    leave(other, room);
                    join(other, room);
                }
            }
            m.expectNothing(1500);
        }
        String onC = unique("auto-c");
        try (WsClient first = user(c, unique("first"), null)) {
            join(first, onC); // auto-created by C: events on
            assertTrue(admin(a, "GET", "rooms/" + onC, null).json().getBoolean("join_leave_events"));
            try (WsClient second = user(a, unique("second"), null)) {
                join(second, onC);
                expectMember(first, "member_joined", onC, second);
            }
        }
    }

    // ------------------------------------------------------------------ permissions and bad input

    /**
     * presence and presence_stats: a member may ask; a non-member needs presence:&lt;room&gt; (else 3003); an
     * unknown room is 3000 for anyone.
     */
    @Test
    void presenceNeedsMembershipOrPermission() throws Exception {
        String room = createRoom(a, null);
        try (WsClient member = userWith(b, unique("member"), "join:*");
             WsClient stranger = userWith(a, unique("stranger"), "join:*");
             WsClient allowed = userWith(b, unique("allowed"), "presence:" + room);
             WsClient allowedElsewhere = userWith(a, unique("elsewhere"), "presence:other-*")) {
            join(member, room);
            assertEquals(1, stats(member, room).getInt("clients"));
            assertEquals(Set.of(member.clientId + "|" + member.userId + "|presence-b"), entries(presence(member, room)));

            stranger.callError("presence", TestData.data("room_id", room), 3003);
            stranger.callError("presence_stats", TestData.data("room_id", room), 3003);
            allowedElsewhere.callError("presence", TestData.data("room_id", room), 3003);

            assertEquals(1, stats(allowed, room).getInt("users"));
            assertEquals(1, presence(allowed, room).getJsonArray("clients").size());

            String unknown = unique("unknown");
            stranger.callError("presence", TestData.data("room_id", unknown), 3000);
            stranger.callError("presence_stats", TestData.data("room_id", unknown), 3000);
            member.callError("presence_stats", TestData.data("room_id", unknown), 3000);

            // after leaving, the member is a stranger
            leave(member, room);
            member.callError("presence", TestData.data("room_id", room), 3003);
        }
    }

    /**
     * user_status and watch_users need watch:&lt;user&gt; for every named id (2001); a token without permissions
     * claim may watch anyone.
     */
    @Test
    void userStatusAndWatchNeedTheWatchPermission() throws Exception {
        String friend = unique("friend");
        String stranger = unique("stranger");
        try (WsClient limited = userWith(a, unique("limited"), "watch:" + friend);
             WsClient wildcard = userWith(b, unique("wild"), "watch:*");
             WsClient none = userWith(b, unique("none"), "join:*");
             WsClient unlimited = user(a, unique("unlimited"), null)) {
            assertOffline(status(limited, friend).getJsonObject(friend), null);
            watch(limited, friend);
            limited.callError("user_status", TestData.data("user_ids", ids(friend, stranger)), 2001);
            limited.callError("watch_users", TestData.data("user_ids", ids(stranger)), 2001);
            none.callError("user_status", TestData.data("user_ids", ids(friend)), 2001);
            none.callError("watch_users", TestData.data("user_ids", ids(none.userId)), 2001);
            assertEquals(Set.of(friend, stranger), status(wildcard, friend, stranger).keySet());
            assertEquals(Set.of(friend, stranger), watch(unlimited, friend, stranger).keySet());

            // the refused watch added nothing: the stranger's transitions reach only the unlimited watcher
            try (WsClient strangerOnB = user(b, stranger, "web")) {
                expectOnline(unlimited, stranger, "web");
                limited.expectNothing(1000);
            }
            expectOffline(unlimited, stranger);
        }
    }

    /**
     * Ids: an array of 1 to 100 non-empty strings of at most 256 characters without control characters, else 1001;
     * duplicates collapse. Applies to user_status, watch_users and unwatch_users.
     */
    @Test
    void malformedOrTooManyUserIdsAre1001() throws Exception {
        JsonArrayBuilder hundred = Json.PROVIDER.createArrayBuilder();
        JsonArrayBuilder hundredAndOne = Json.PROVIDER.createArrayBuilder();
        for (int i = 0; i < 101; i++) {
            if (i < 100) {
                hundred.add("many-" + i);
            }
            hundredAndOne.add("many-" + i);
        }
        String longest = "l".repeat(256);
        List<JsonValue> bad = List.of(hundredAndOne.build(), Json.PROVIDER.createArrayBuilder().build(),
                ids(""), ids("l".repeat(257)), ids("line\nbreak"), ids("tab\tid"), ids("nul\u0000"),
                Json.PROVIDER.createArrayBuilder().add(42).build(), Json.PROVIDER.createValue("single"),
                JsonValue.NULL);
        try (WsClient client = user(b, unique("asker"), null)) {
            for (String type : List.of("user_status", "watch_users", "unwatch_users")) {
                for (JsonValue value : bad) {
                    client.callError(type, TestData.data("user_ids", value), 1001);
                }
                client.callError(type, TestData.data(), 1001);
            }
            assertEquals(100, data(client.call("user_status", TestData.data("user_ids", hundred.build()),
                    "user_status")).getJsonObject("statuses").size());
            JsonObject statuses = status(client, "dup", "dup", longest, "ünïcödé 😀");
            assertEquals(List.of("dup", longest, "ünïcödé 😀"), new ArrayList<>(statuses.keySet()));
            assertEquals(Set.of("dup", longest), watch(client, "dup", longest, "dup").keySet());
        }
        Answer refused = admin(a, "POST", "presence/status", "{\"user_ids\":[\"\"]}");
        assertProblem(refused, 400);
        assertProblem(admin(a, "POST", "presence/status", "{\"user_ids\":" + hundredAndOne.build() + "}"), 400);
    }

    /** More than wshub.presence.max-watched (3 on C) users per connection is 1001 and changes nothing. */
    @Test
    void watchingMoreThanMaxWatchedIs1001() throws Exception {
        String u1 = unique("w1");
        String u2 = unique("w2");
        String u3 = unique("w3");
        String u4 = unique("w4");
        try (WsClient watcher = WsClient.connect(c.ws(""))) {
            watcher.callError("watch_users", TestData.data("user_ids", ids(u1, u2, u3, u4)), 1001);
            assertEquals(3, watch(watcher, u1, u2, u3, u1).size());
            watch(watcher, u1, u2); // already watched: no more than 3
            watcher.callError("watch_users", TestData.data("user_ids", ids(u4)), 1001);
            watcher.call("unwatch_users", TestData.data("user_ids", ids(u3)), "users_unwatched");
            watch(watcher, u4);
            try (WsClient u4OnA = user(a, u4, "web"); WsClient u3OnA = user(a, u3, "web")) {
                expectOnline(watcher, u4, "web"); // u3 no longer watched
                watcher.expectNothing(1000);
            }
        }
    }

    // ------------------------------------------------------------------ login

    /**
     * A guest that logs in as a user moves its memberships and its presence: the room still counts one user per
     * user, the watcher of the user sees one user_online, the presence list names the new user; a refresh of the
     * same user is no transition.
     */
    @Test
    void anInBandLoginMovesPresenceAndCountsOnce() throws Exception {
        String room = createRoom(b, null);
        String user = unique("login");
        String peer = unique("peer");
        try (WsClient watcher = WsClient.connect(b.ws(""));
             WsClient guest = WsClient.connect(a.ws("?platform=web"));
             WsClient guest2 = WsClient.connect(a.ws(""));
             WsClient peerOnB = user(b, peer, null)) {
            watch(watcher, user, guest.userId);
            join(guest, room);
            join(guest2, room);
            join(peerOnB, room);
            JsonObject before = stats(peerOnB, room);
            assertEquals(3, before.getInt("clients"));
            assertEquals(3, before.getInt("users"));

            JsonObject loggedIn = data(guest.call("login", TestData.data("token", TOKENS.valid(user)), "logged_in"));
            assertEquals(user, loggedIn.getString("user_id"));
            // two transitions, of two users (two topics): in either order
            Map<String, JsonObject> transitions = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonObject frame = watcher.next(10_000);
                assertNotNull(frame, "expected user_online of the user and user_offline of the guest");
                transitions.put(frame.getString("message_type"), data(frame));
            }
            assertEquals(user, transitions.get("user_online").getString("user_id"), transitions.toString());
            assertEquals("web", transitions.get("user_online").getString("platform"), transitions.toString());
            assertEquals(guest.userId, transitions.get("user_offline").getString("user_id"), transitions.toString());
            long guestLastSeen = transitions.get("user_offline").getJsonNumber("last_seen").longValue();
            watcher.expectNothing(500);
            JsonObject after = stats(peerOnB, room);
            assertEquals(3, after.getInt("clients"), after.toString());
            assertEquals(3, after.getInt("users"), after.toString());
            assertTrue(entries(presence(peerOnB, room)).contains(guest.clientId + "|" + user + "|presence-a"));
            assertOffline(status(watcher, guest.userId).getJsonObject(guest.userId), guestLastSeen);

            // the second guest becomes the peer: 3 connections, 2 users
            guest2.call("login", TestData.data("token", TOKENS.valid(peer)), "logged_in");
            JsonObject merged = stats(peerOnB, room);
            assertEquals(3, merged.getInt("clients"), merged.toString());
            assertEquals(2, merged.getInt("users"), merged.toString());

            guest.call("refresh_token", TestData.data("token", TOKENS.valid(user)), "token_refreshed");
            watcher.expectNothing(800); // the same user: no transition

            peerOnB.close();
            eventuallyHolds("the peer's first connection went", () -> stats(guest2, room).getInt("clients") == 2);
            JsonObject last = stats(guest2, room);
            assertEquals(2, last.getInt("users"), last.toString());
            guest.close();
            expectOffline(watcher, user);
            watcher.expectNothing(500);
        }
    }

    // ------------------------------------------------------------------ admin API

    /**
     * GET /api/presence, /api/presence/users (paged, sorted), POST /api/presence/status, room presence and
     * presence_stats, 404 for an unknown room; the typed client gives the same.
     */
    @Test
    void theAdminApiAndTypedClientReportPresence() throws Exception {
        stable();
        Views.PresenceTotals before = totals(a);
        String prefix = unique("adm");
        String u1 = prefix + "-1";
        String u2 = prefix + "-2";
        String never = prefix + "-never";
        String room = createRoom(b, null);
        WshubAdminClient hub = WshubAdminClient.connect(URI.create(a.http("").toString()), () -> ADMIN);
        try (WsClient c1 = user(a, u1, "web"); WsClient c2 = user(b, u1, "ios"); WsClient c3 = user(b, u2, null)) {
            join(c1, room);
            join(c3, room);
            for (PayaraNode node : List.of(a, b)) {
                JsonObject totals = admin(node, "GET", "presence", null).json();
                assertEquals(before.users() + 2, totals.getJsonNumber("users").longValue(), totals.toString());
                assertEquals(before.clients() + 3, totals.getJsonNumber("clients").longValue(), totals.toString());
            }
            Views.PresenceTotals typed = hub.presence();
            assertEquals(before.users() + 2, typed.users());
            assertEquals(before.clients() + 3, typed.clients());

            JsonObject page = admin(b, "GET", "presence/users?page=1&size=500", null).json();
            List<String> items = page.getJsonArray("items").getValuesAs(jakarta.json.JsonString.class).stream()
                    .map(jakarta.json.JsonString::getString).toList();
            assertEquals(page.getInt("total"), items.size(), "fewer than 500 users online: " + page);
            assertEquals(before.users() + 2, page.getInt("total"));
            assertEquals(new ArrayList<>(new TreeSet<>(items)), items, "sorted by id, each once");
            assertTrue(items.containsAll(List.of(u1, u2)));
            int at = items.indexOf(u1);
            JsonObject one = admin(a, "GET", "presence/users?page=" + (at + 1) + "&size=1", null).json();
            assertEquals(List.of(u1), one.getJsonArray("items").getValuesAs(jakarta.json.JsonString.class).stream()
                    .map(jakarta.json.JsonString::getString).toList());
            assertEquals(at + 1, one.getInt("page"));
            assertEquals(1, one.getInt("size"));
            Views.Page<String> typedPage = hub.onlineUsers(at + 1, 2);
            assertEquals(u1, typedPage.items().get(0));
            assertEquals(u2, typedPage.items().get(1));
            assertProblem(admin(a, "GET", "presence/users?page=0", null), 400);

            long asked = System.currentTimeMillis();
            JsonObject statuses = admin(a, "POST", "presence/status",
                    "{\"user_ids\":[\"" + u1 + "\",\"" + never + "\"]}").json().getJsonObject("statuses");
            assertOnline(statuses.getJsonObject(u1), asked, System.currentTimeMillis(), "ios", "web");
            assertOffline(statuses.getJsonObject(never), null);
            Views.UserStatuses typedStatuses = hub.userStatuses(new Views.UserIds(List.of(u2, never)));
            assertTrue(typedStatuses.statuses().get(u2).online());
            assertEquals(List.of(), typedStatuses.statuses().get(u2).platforms());
            assertFalse(typedStatuses.statuses().get(never).online());
            assertEquals(null, typedStatuses.statuses().get(never).lastSeen());

            Answer stats = admin(a, "GET", "rooms/" + room + "/presence_stats", null);
            assertEquals(room, stats.json().getString("room_id"));
            assertEquals(2, stats.json().getInt("clients"));
            assertEquals(2, stats.json().getInt("users"));
            Views.RoomPresenceStats typedStats = hub.roomPresenceStats(room);
            assertEquals(2, typedStats.clients());
            assertEquals(2, typedStats.users());
            Views.RoomPresence typedPresence = hub.roomPresence(room);
            assertFalse(typedPresence.truncated());
            assertEquals(Set.of(c1.clientId + "|" + u1 + "|presence-a", c3.clientId + "|" + u2 + "|presence-b"),
                    typedPresence.clients().stream().map(m -> m.clientId() + "|" + m.userId() + "|" + m.nodeId())
                            .collect(Collectors.toSet()));

            String unknown = unique("nope");
            assertProblem(admin(a, "GET", "rooms/" + unknown + "/presence", null), 404);
            assertProblem(admin(b, "GET", "rooms/" + unknown + "/presence_stats", null), 404);
            assertEquals(404, assertThrows(WshubAdminException.class, () -> hub.roomPresence(unknown)).status());
            assertEquals(404, assertThrows(WshubAdminException.class, () -> hub.roomPresenceStats(unknown)).status());
        }
        assertEquals(401, new AdminApi(a.http("/api/"), ADMIN).call("GET", "presence", null, null).status());
    }

    /** Waits until the cluster's connection count stops moving (earlier tests' closes are asynchronous). */
    private static void stable() throws Exception {
        eventuallyHolds("the totals settle", () -> {
            Views.PresenceTotals first = totals(a);
            Thread.sleep(500);
            return first.equals(totals(b));
        });
    }

    private static Views.PresenceTotals totals(PayaraNode node) throws Exception {
        JsonObject totals = admin(node, "GET", "presence", null).json();
        return new Views.PresenceTotals(totals.getJsonNumber("users").longValue(),
                totals.getJsonNumber("clients").longValue());
    }

    // ------------------------------------------------------------------ metrics

    /**
     * wshub_presence_watchers counts the node's (connection, user) watches and goes back when the watcher leaves;
     * wshub_presence_events_total{type} counts the events the node made.
     */
    @Test
    void metricsCountWatchersAndEvents() throws Exception {
        String user = unique("metered");
        String room = createRoom(a, true);
        double watchers = b.metric("wshub_presence_watchers", null);
        double online = a.metric("wshub_presence_events_total", "type=\"user_online\"");
        double offline = a.metric("wshub_presence_events_total", "type=\"user_offline\"");
        double joined = a.metric("wshub_presence_events_total", "type=\"member_joined\"");
        double left = a.metric("wshub_presence_events_total", "type=\"member_left\"");
        try (WsClient watcher = WsClient.connect(b.ws(""))) {
            watch(watcher, user, unique("other"));
            assertEquals(watchers + 2, b.metric("wshub_presence_watchers", null));
            watch(watcher, user);
            assertEquals(watchers + 2, b.metric("wshub_presence_watchers", null), "a watch counts once");
            try (WsClient target = user(a, user, "web")) {
                expectOnline(watcher, user, "web");
                join(target, room);
                leave(target, room);
            }
            expectOffline(watcher, user);
            assertEquals(online + 1, a.metric("wshub_presence_events_total", "type=\"user_online\""));
            assertEquals(offline + 1, a.metric("wshub_presence_events_total", "type=\"user_offline\""));
            assertEquals(joined + 1, a.metric("wshub_presence_events_total", "type=\"member_joined\""));
            assertEquals(left + 1, a.metric("wshub_presence_events_total", "type=\"member_left\""));
        }
        eventuallyHolds("the departed watcher's watches are gone",
                () -> b.metric("wshub_presence_watchers", null) == watchers);
    }
}
