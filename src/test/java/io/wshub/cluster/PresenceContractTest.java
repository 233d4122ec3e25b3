package io.wshub.cluster;

import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.JoinOutcome;
import io.wshub.cluster.Directory.Membership;
import io.wshub.cluster.Directory.NodeState;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.Presence.Member;
import io.wshub.cluster.Presence.RoomPresence;
import io.wshub.cluster.Presence.RoomStats;
import io.wshub.cluster.Presence.Totals;
import io.wshub.cluster.Presence.UserStatus;
import io.wshub.it.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link Presence} engine guarantees, with the {@link Directory} it reads: the memory one, and the Redis one
 * as two nodes (two {@link RedisDirectory} instances) sharing a real redis-server. Counts exact after any interleaving
 * of joins and leaves, users counted once, lists bounded, transitions told exactly once (counted through a recording
 * {@link Presence.Listener}, the directory's own callback), logins, last-seen times, paging and totals. What only a
 * cluster has (a node that dies, is swept, and registers again) is in {@link Redis}.
 */
class PresenceContractTest {

    static RedisProcess server;
    static RedisConnection redis;
    static final AtomicInteger prefixes = new AtomicInteger();

    @BeforeAll
    static void startRedis() {
        server = new RedisProcess(Path.of("target", "presence-test")).start();
        // as many pooled connections as the test's threads, as the hub sizes its pool for its cluster calls
        redis = new RedisConnection(URI.create(server.url()), 16, 5000, (what, cause) -> { });
        redis.up();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    /** One thing the directory told its listener, and on which node. */
    record Told(String node, String what, String userId, String roomId, String clientId, String platform,
                long lastSeen, long version) {
    }

    /** What the directories told, in the order they told it; each node's directory gets its own {@link #on}. */
    static final class Recorder {
        final List<Told> told = Collections.synchronizedList(new ArrayList<>());

        Presence.Listener on(String node) {
            return new Presence.Listener() {
                @Override
                public void userOnline(String userId, String platform, long version) {
                    told.add(new Told(node, "online", userId, null, null, platform, 0, version));
                }

                @Override
                public void userOffline(String userId, long lastSeen, long version) {
                    told.add(new Told(node, "offline", userId, null, null, null, lastSeen, version));
                }

                @Override
                public void memberJoined(String roomId, String clientId, String userId) {
                    told.add(new Told(node, "joined", userId, roomId, clientId, null, 0, 0));
                }

                @Override
                public void memberLeft(String roomId, String clientId, String userId) {
                    told.add(new Told(node, "left", userId, roomId, clientId, null, 0, 0));
                }
            };
        }

        List<Told> all(String what) {
            synchronized (told) {
                return told.stream().filter(t -> t.what().equals(what)).toList();
            }
        }

        /**
         * A user's transitions in the order of their versions: must alternate online / offline, starting online,
         * each version given once, whatever order the nodes told them in.
         */
        void assertVersionsOrderTransitions(String userId) {
            List<Told> transitions;
            synchronized (told) {
                transitions = told.stream().filter(t -> userId.equals(t.userId())
                        && (t.what().equals("online") || t.what().equals("offline")))
                        .sorted(java.util.Comparator.comparingLong(Told::version)).toList();
            }
            for (int i = 0; i < transitions.size(); i++) {
                Told t = transitions.get(i);
                assertTrue(t.version() > 0, "a version is given: " + t);
                assertEquals(i % 2 == 0 ? "online" : "offline", t.what(), userId + "'s transition " + i
                        + " by version: " + transitions);
                if (i > 0) {
                    assertTrue(t.version() > transitions.get(i - 1).version(), "versions given once: " + transitions);
                }
            }
        }

        long count(String what, String userId) {
            return all(what).stream().filter(t -> t.userId().equals(userId)).count();
        }

        /** How often each user was told of, for one kind of transition. */
        Map<String, Long> perUser(String what) {
            return all(what).stream().collect(Collectors.groupingBy(Told::userId, TreeMap::new,
                    Collectors.counting()));
        }

        /** The member events as "room client user", sorted: what was told, not in which order. */
        List<String> members(String what) {
            return all(what).stream().map(t -> t.roomId() + " " + t.clientId() + " " + t.userId()).sorted().toList();
        }

        void clear() {
            told.clear();
        }
    }

    /** Runs the tasks on {@code threads} threads, all released at once; fails on the first task that failed. */
    static void inParallel(int threads, List<Runnable> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> running = new ArrayList<>();
            for (Runnable task : tasks) {
                running.add(pool.submit(() -> {
                    start.await();
                    task.run();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : running) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The contract, for one engine. */
    abstract static class Contract {
        static final long LAST_SEEN_TTL = 60_000;

        /** Two nodes of one cluster; the memory engine is a single node, so both are the same directory. */
        Directory a;
        Directory b;
        /** Presence as node a reads it. */
        Presence presence;
        final Recorder told = new Recorder();

        /** New, empty engines whose directories tell {@link #told}, last-seen times kept for {@code lastSeenTtl}. */
        abstract void start(long lastSeenTtlMillis);

        abstract String nodeA();

        abstract String nodeB();

        @BeforeEach
        void startEngines() {
            start(LAST_SEEN_TTL);
        }

        ClientRecord record(String clientId, String userId, String platform, String node) {
            return new ClientRecord(clientId, userId, platform, true, node, System.currentTimeMillis());
        }

        ClientRecord onA(String clientId, String userId) {
            ClientRecord record = record(clientId, userId, "web", nodeA());
            assertTrue(a.addClient(record, 0));
            return record;
        }

        ClientRecord onB(String clientId, String userId) {
            ClientRecord record = record(clientId, userId, "web", nodeB());
            assertTrue(b.addClient(record, 0));
            return record;
        }

        static RoomRecord room(String roomId, boolean joinLeaveEvents) {
            return new RoomRecord(roomId, roomId, 0, false, 1L, 0, 0, 0, joinLeaveEvents);
        }

        void createRoom(String roomId, boolean joinLeaveEvents) {
            assertTrue(a.createRoom(room(roomId, joinLeaveEvents)).isPresent());
        }

        void join(Directory node, String roomId, String clientId) {
            assertEquals(JoinOutcome.Status.JOINED, node.join(roomId, clientId, null).status());
        }

        RoomStats stats(String roomId) {
            return presence.roomStats(roomId).orElseThrow(() -> new AssertionError("no room " + roomId));
        }

        RoomPresence list(String roomId, int max) {
            return presence.roomPresence(roomId, max).orElseThrow(() -> new AssertionError("no room " + roomId));
        }

        static Set<String> clientIds(RoomPresence listed) {
            return listed.clients().stream().map(Member::clientId).collect(Collectors.toSet());
        }

        @Test
        void roomCountsAreExactAfterConcurrentJoinsAndLeavesFromBothNodes() throws Exception {
            createRoom("busy", false);
            // 400 connections of 80 users (5 each), every other one on the other node
            Map<String, ClientRecord> records = new HashMap<>();
            for (int i = 0; i < 400; i++) {
                String id = "c" + i;
                records.put(id, i % 2 == 0 ? onA(id, "u" + (i % 80)) : onB(id, "u" + (i % 80)));
            }
            List<Runnable> tasks = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                Directory node = n % 2 == 0 ? a : b;
                String id = "c" + n;
                tasks.add(() -> {
                    join(node, "busy", id);
                    if (n % 5 == 0) {
                        // a second join must not count the connection twice
                        assertEquals(JoinOutcome.Status.ALREADY_MEMBER, node.join("busy", id, null).status());
                    }
                    if (n % 3 == 0) {
                        assertTrue(node.leave("busy", id));
                        assertFalse(node.leave("busy", id), "a second leave finds no member");
                    } else if (n % 7 == 0) {
                        node.removeClient(records.get(id)); // a disconnect leaves its rooms
                    }
                });
            }
            inParallel(8, tasks);

            Set<String> expectedClients = new HashSet<>();
            Set<String> expectedUsers = new HashSet<>();
            for (int i = 0; i < 400; i++) {
                if (i % 3 != 0 && i % 7 != 0) {
                    expectedClients.add("c" + i);
                    expectedUsers.add("u" + (i % 80));
                }
            }
            assertEquals(new RoomStats("busy", expectedClients.size(), expectedUsers.size()), stats("busy"));
            RoomPresence listed = list("busy", 1000);
            assertFalse(listed.truncated());
            assertEquals(expectedClients, clientIds(listed));
            for (Member member : listed.clients()) {
                ClientRecord record = records.get(member.clientId());
                assertEquals(record.userId(), member.userId(), member.clientId() + "'s user");
                assertEquals(record.nodeId(), member.nodeId(), member.clientId() + "'s node");
            }
        }

        @Test
        void aUserIsCountedOnceHoweverManyConnectionsItHas() {
            createRoom("r", false);
            onA("x1", "multi");
            onA("x2", "multi");
            onB("x3", "multi");
            onB("y1", "single");
            for (String id : List.of("x1", "x2", "y1")) {
                join(id.equals("y1") ? b : a, "r", id);
            }
            join(b, "r", "x3");
            assertEquals(new RoomStats("r", 4, 2), stats("r"));
            assertEquals(new Totals(4, 2), presence.totals());
            assertTrue(a.leave("r", "x1"));
            assertTrue(b.leave("r", "x3"));
            assertEquals(new RoomStats("r", 2, 2), stats("r"), "multi is still in the room by x2");
            assertTrue(a.leave("r", "x2"));
            assertEquals(new RoomStats("r", 1, 1), stats("r"));
            assertEquals(new Totals(4, 2), presence.totals(), "leaving rooms disconnects nobody");
        }

        @Test
        void roomPresenceListsEachMemberWithItsUserNodeAndJoinTime() {
            createRoom("r", false);
            onA("c1", "u1");
            onB("c2", "u2");
            long before = System.currentTimeMillis();
            join(a, "r", "c1");
            join(b, "r", "c2");
            long after = System.currentTimeMillis();
            RoomPresence listed = list("r", 10);
            assertFalse(listed.truncated());
            assertEquals("r", listed.roomId());
            List<Member> members = listed.clients().stream()
                    .sorted(java.util.Comparator.comparing(Member::clientId)).toList();
            assertEquals(2, members.size());
            assertEquals(List.of("c1", "u1", nodeA()), List.of(members.get(0).clientId(), members.get(0).userId(),
                    members.get(0).nodeId()));
            assertEquals(List.of("c2", "u2", nodeB()), List.of(members.get(1).clientId(), members.get(1).userId(),
                    members.get(1).nodeId()));
            for (Member member : members) {
                assertTrue(member.joinedAt() >= before && member.joinedAt() <= after,
                        member + " joined between " + before + " and " + after);
            }
            assertEquals(Optional.empty(), presence.roomStats("nowhere"));
            assertEquals(Optional.empty(), presence.roomPresence("nowhere", 10));
        }

        @Test
        void roomPresenceStopsAtItsMaximumAndSaysItDid() {
            createRoom("big", false);
            // more than Redis keeps in a compact hash, so that its list is scanned in rounds
            for (int i = 0; i < 1200; i++) {
                onA("m" + i, "mu" + i);
                join(a, "big", "m" + i);
            }
            RoomPresence first = list("big", 1000);
            assertTrue(first.truncated());
            assertEquals(1000, first.clients().size());
            assertEquals(1000, clientIds(first).size(), "each member once");
            RoomPresence exact = list("big", 1200);
            assertFalse(exact.truncated(), "exactly the maximum is not truncated");
            assertEquals(1200, clientIds(exact).size());
            assertTrue(list("big", 1199).truncated());
            assertEquals(new RoomStats("big", 1200, 1200), stats("big"));
        }

        @Test
        void aUserGoesOnlineAndOfflineOnceHoweverManyConnectionsComeAndGo() throws Exception {
            // 20 users with 6 connections each, half on each node; three rounds of all added at once, then all
            // removed at once: each round is exactly one online and one offline per user
            List<ClientRecord> records = new ArrayList<>();
            for (int user = 0; user < 20; user++) {
                for (int c = 0; c < 6; c++) {
                    records.add(record("t" + user + "-" + c, "tu" + user, c % 2 == 0 ? "ios" : "web",
                            c % 2 == 0 ? nodeA() : nodeB()));
                }
            }
            for (int round = 1; round <= 3; round++) {
                inParallel(8, records.stream().<Runnable>map(r -> () -> assertTrue(nodeOf(r).addClient(r, 0)))
                        .toList());
                assertEquals(new Totals(120, 20), presence.totals());
                for (int user = 0; user < 20; user++) {
                    assertEquals(round, told.count("online", "tu" + user), "tu" + user + " online, round " + round);
                }
                inParallel(8, records.stream().<Runnable>map(r -> () -> nodeOf(r).removeClient(r)).toList());
                assertEquals(new Totals(0, 0), presence.totals());
                for (int user = 0; user < 20; user++) {
                    assertEquals(round, told.count("online", "tu" + user), "tu" + user + " online, round " + round);
                    assertEquals(round, told.count("offline", "tu" + user), "tu" + user + " offline, round " + round);
                }
            }
            // and interleaved: each connection comes and goes 10 times on its own thread, whatever the others do
            told.clear();
            inParallel(12, records.stream().<Runnable>map(r -> () -> {
                for (int i = 0; i < 10; i++) {
                    assertTrue(nodeOf(r).addClient(r, 0));
                    nodeOf(r).removeClient(r);
                }
            }).toList());
            assertEquals(new Totals(0, 0), presence.totals());
            for (int user = 0; user < 20; user++) {
                long online = told.count("online", "tu" + user);
                assertTrue(online >= 1, "tu" + user + " came online");
                assertEquals(online, told.count("offline", "tu" + user),
                        "tu" + user + ": each online told is followed by exactly one offline");
                told.assertVersionsOrderTransitions("tu" + user);
            }
        }

        Directory nodeOf(ClientRecord record) {
            return record.nodeId().equals(nodeA()) ? a : b;
        }

        @Test
        void aLoginMovesTheConnectionToItsNewUserInCountsListsAndStatus() {
            createRoom("r1", false);
            createRoom("r2", false);
            ClientRecord guest = onA("x1", "guest-1");
            onB("y1", "alice");
            join(a, "r1", "x1");
            join(a, "r2", "x1");
            join(b, "r1", "y1");
            assertEquals(new RoomStats("r1", 2, 2), stats("r1"));
            told.clear();

            ClientRecord alice = record("x1", "alice", "web", nodeA());
            assertTrue(a.updateClient(guest, alice, 0));
            assertEquals(new RoomStats("r1", 2, 1), stats("r1"), "both connections are alice now");
            assertEquals(new RoomStats("r2", 1, 1), stats("r2"));
            assertEquals("alice", list("r2", 10).clients().get(0).userId());
            assertEquals(new Totals(2, 1), presence.totals());
            assertEquals(1, told.count("offline", "guest-1"));
            assertEquals(0, told.count("online", "alice"), "alice was online already");
            assertEquals(List.of("alice"), presence.onlineUsers(0, 10));

            ClientRecord bob = record("x1", "bob", "ios", nodeA());
            assertTrue(a.updateClient(alice, bob, 0));
            assertEquals(new RoomStats("r1", 2, 2), stats("r1"));
            assertEquals(1, told.count("online", "bob"));
            assertEquals("ios", told.all("online").get(0).platform());
            assertEquals(0, told.count("offline", "alice"), "alice still has y1");
            Map<String, UserStatus> statuses = presence.statuses(List.of("guest-1", "alice", "bob"));
            assertFalse(statuses.get("guest-1").online());
            assertNotNull(statuses.get("guest-1").lastSeen());
            assertEquals(new UserStatus(true, List.of("web"), statuses.get("alice").lastSeen()), statuses.get("alice"));
            assertEquals(List.of("ios"), statuses.get("bob").platforms());
            told.assertVersionsOrderTransitions("bob");
            assertTrue(told.all("online").get(0).version() > told.all("offline").get(0).version(),
                    "bob came online after guest-1 went offline: " + told.all("online") + told.all("offline"));
        }

        @Test
        void theOfflineTimeToldIsTheLastSeenTimeKept() {
            // a watcher gets user_offline with the time told, and user_status later reads the time kept: the same
            List<String> users = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String user = "seen" + i;
                users.add(user);
                ClientRecord record = onA("s" + i, user);
                if (i % 2 == 0) {
                    a.removeClient(record);
                } else {
                    assertTrue(a.updateClient(record, record("s" + i, "after" + i, "web", nodeA()), 0));
                }
            }
            Map<String, UserStatus> statuses = presence.statuses(users);
            for (Told offline : told.all("offline")) {
                assertEquals(statuses.get(offline.userId()).lastSeen(), offline.lastSeen(),
                        offline.userId() + ": told " + offline.lastSeen());
            }
            assertEquals(40, told.all("offline").size());
        }

        @Test
        void aStatusSaysOnlineWithPlatformsOrWhenLastSeen() {
            long before = System.currentTimeMillis();
            ClientRecord phone = record("p1", "pat", "ios", nodeA());
            assertTrue(a.addClient(phone, 0));
            assertTrue(b.addClient(record("p2", "pat", "web", nodeB()), 0));
            assertTrue(a.addClient(record("p3", "pat", "web", nodeA()), 0));
            assertTrue(a.addClient(record("p4", "pat", null, nodeA()), 0));
            List<Told> online = told.all("online");
            assertEquals(List.of(new Told(nodeA(), "online", "pat", null, null, "ios", 0,
                    online.isEmpty() ? 0 : online.get(0).version())), online,
                    "told once, with the platform of the first connection");
            Map<String, UserStatus> statuses = presence.statuses(List.of("pat", "never"));
            UserStatus pat = statuses.get("pat");
            assertTrue(pat.online());
            assertEquals(List.of("ios", "web"), pat.platforms(), "sorted, each once, none for no platform");
            assertTrue(pat.lastSeen() >= before, "now, while online");
            assertEquals(new UserStatus(false, List.of(), null), statuses.get("never"));

            for (String id : List.of("p1", "p3", "p4")) {
                a.removeClient(record(id, "pat", null, nodeA()));
            }
            assertEquals(0, told.all("offline").size(), "p2 is still there");
            long beforeLast = System.currentTimeMillis();
            b.removeClient(record("p2", "pat", "web", nodeB()));
            long afterLast = System.currentTimeMillis();
            UserStatus gone = presence.statuses(List.of("pat")).get("pat");
            assertFalse(gone.online());
            assertEquals(List.of(), gone.platforms());
            assertTrue(gone.lastSeen() >= beforeLast && gone.lastSeen() <= afterLast, "last seen " + gone.lastSeen());
            assertEquals(1, told.count("offline", "pat"));
        }

        @Test
        void aLastSeenTimeIsForgottenAfterItsTtl() throws Exception {
            start(300);
            ClientRecord record = onA("e1", "ephemeral");
            a.removeClient(record);
            assertNotNull(presence.statuses(List.of("ephemeral")).get("ephemeral").lastSeen());
            Thread.sleep(700);
            assertEquals(new UserStatus(false, List.of(), null), presence.statuses(List.of("ephemeral"))
                    .get("ephemeral"));
        }

        @Test
        void onlineUsersPageInIdOrder() {
            List<String> ids = List.of("m", "b", "a10", "a9", "z", "c", "a", "k", "b2", "y");
            int n = 0;
            for (String id : ids) {
                onA("o" + n++, id);
                onB("o" + n++, id); // two connections, listed once
            }
            ClientRecord gone = onA("o-gone", "gone");
            a.removeClient(gone);
            List<String> sorted = new ArrayList<>(new TreeSet<>(ids));
            List<String> paged = new ArrayList<>();
            for (int offset = 0; offset < 12; offset += 3) {
                List<String> page = presence.onlineUsers(offset, 3);
                assertTrue(page.size() <= 3);
                paged.addAll(page);
            }
            assertEquals(sorted, paged);
            assertEquals(List.of("a10", "a9"), presence.onlineUsers(1, 2));
            assertEquals(List.of(), presence.onlineUsers(10, 5));
            assertEquals(new Totals(20, 10), presence.totals());
        }

        @Test
        void deletingARoomClearsItsCounts() {
            createRoom("doomed", false);
            onA("d1", "du1");
            onB("d2", "du2");
            join(a, "doomed", "d1");
            join(b, "doomed", "d2");
            assertEquals(new RoomStats("doomed", 2, 2), stats("doomed"));
            assertTrue(a.deleteRoom("doomed"));
            assertEquals(Optional.empty(), presence.roomStats("doomed"));
            assertEquals(Optional.empty(), presence.roomPresence("doomed", 10));
            createRoom("doomed", false);
            assertEquals(new RoomStats("doomed", 0, 0), stats("doomed"), "a room made again starts from nothing");
            assertTrue(list("doomed", 10).clients().isEmpty());
            join(b, "doomed", "d2");
            assertEquals(new RoomStats("doomed", 1, 1), stats("doomed"));
        }

        @Test
        void joinsAndLeavesAreToldForRoomsWithEventsOnOnly() {
            createRoom("loud", true);
            createRoom("quiet", false);
            onA("c1", "u1");
            ClientRecord c2 = onB("c2", "u2");
            join(a, "loud", "c1");
            join(a, "quiet", "c1");
            join(b, "loud", "c2");
            join(b, "quiet", "c2");
            assertEquals(JoinOutcome.Status.ALREADY_MEMBER, a.join("loud", "c1", null).status());
            assertEquals(List.of("loud c1 u1", "loud c2 u2"), told.members("joined"));
            assertEquals(List.of(nodeA(), nodeB()), told.all("joined").stream().map(Told::node).sorted().toList(),
                    "each told on the node of the member");
            assertTrue(a.leave("loud", "c1"));
            assertTrue(a.leave("quiet", "c1"));
            assertFalse(a.leave("loud", "c1"));
            assertEquals(List.of("loud c1 u1"), told.members("left"));
            b.removeClient(c2); // a disconnect leaves its rooms, and is told like a leave
            assertEquals(List.of("loud c1 u1", "loud c2 u2"), told.members("left"));
            assertEquals(List.of("joined", "joined", "left", "left"), told.told.stream()
                    .filter(t -> t.roomId() != null).map(Told::what).sorted().toList(), "the quiet room told nothing");
        }
    }

    @Nested
    class Memory extends Contract {
        @Override
        void start(long lastSeenTtlMillis) {
            told.clear();
            MemoryDirectory directory = new MemoryDirectory("solo", lastSeenTtlMillis);
            directory.listen(told.on("solo"));
            a = directory;
            b = directory;
            presence = new MemoryPresence(directory, "solo");
        }

        @Override
        String nodeA() {
            return "solo";
        }

        @Override
        String nodeB() {
            return "solo";
        }
    }

    @Nested
    class Redis extends Contract {
        /** Long enough that the two nodes outlive any test without a heartbeat thread. */
        static final long NODE_TTL = 60_000;
        /** A node meant to die. */
        static final long SHORT_TTL = 500;
        String prefix;
        long lastSeenTtl;

        @Override
        void start(long lastSeenTtlMillis) {
            told.clear();
            prefix = "pr" + prefixes.incrementAndGet();
            lastSeenTtl = lastSeenTtlMillis;
            RedisDirectory nodeA = node("a", NODE_TTL);
            a = nodeA;
            b = node("b", NODE_TTL);
            presence = new RedisPresence(redis, nodeA);
        }

        /** A node that has registered (with nothing yet), beaten once, and tells {@link #told}. */
        RedisDirectory node(String id, long ttl) {
            RedisDirectory node = new RedisDirectory(redis, prefix, id, ttl, lastSeenTtl);
            node.listen(told.on(id));
            node.register(new NodeState(List.of(), List.of()));
            assertTrue(node.beat());
            return node;
        }

        @Override
        String nodeA() {
            return "a";
        }

        @Override
        String nodeB() {
            return "b";
        }

        @Test
        void aDeadNodesMembersAreHiddenAtOnceCountedUntilTheSweepThenToldGone() throws Exception {
            createRoom("loud", true);
            createRoom("quiet", false);
            RedisDirectory dying = node("c", SHORT_TTL);
            // d1 has two connections on the dying node, d2 one there and one on a, d3 one there
            List<ClientRecord> onDying = List.of(record("k1", "d1", "web", "c"), record("k2", "d1", "ios", "c"),
                    record("k3", "d2", "web", "c"), record("k4", "d3", "web", "c"));
            for (ClientRecord record : onDying) {
                assertTrue(dying.addClient(record, 0));
                join(dying, "loud", record.clientId());
                join(dying, "quiet", record.clientId());
            }
            onA("a1", "d2");
            onA("a2", "alive");
            for (String room : List.of("loud", "quiet")) {
                join(a, room, "a1");
                join(a, room, "a2");
            }
            Thread.sleep(SHORT_TTL + 300); // the dying node stops beating: its TTL passes
            assertTrue(((RedisDirectory) a).beat());

            for (String room : List.of("loud", "quiet")) {
                assertEquals(Set.of("a1", "a2"), clientIds(list(room, 100)), "the dead node's members are hidden");
                assertFalse(list(room, 2).truncated(), "hidden members do not count against the maximum");
                assertEquals(new RoomStats(room, 6, 4), stats(room), "but still counted until the sweep");
            }
            assertEquals(new Totals(6, 4), presence.totals());
            told.clear();

            assertEquals(4, a.sweep());
            for (String room : List.of("loud", "quiet")) {
                assertEquals(new RoomStats(room, 2, 2), stats(room));
            }
            assertEquals(new Totals(2, 2), presence.totals());
            assertEquals(List.of("loud k1 d1", "loud k2 d1", "loud k3 d2", "loud k4 d3"), told.members("left"),
                    "a leave for each of its members of the room with events on, none for the quiet one");
            assertEquals(Map.of("d1", 1L, "d3", 1L), told.perUser("offline"), "once per user; d2 is still on a");
            assertTrue(told.told.stream().allMatch(t -> t.node().equals("a")), "told by the node that swept");
            assertEquals(0, told.all("joined").size() + told.all("online").size());
            assertEquals(List.of("alive", "d2"), presence.onlineUsers(0, 10));
            UserStatus d1 = presence.statuses(List.of("d1")).get("d1");
            assertFalse(d1.online());
            assertEquals(told.all("offline").stream().filter(t -> t.userId().equals("d1")).findFirst()
                    .orElseThrow().lastSeen(), d1.lastSeen());
        }

        @Test
        void aNodeSweptWhilePausedBringsItsUsersBackOnlineWhenItRegistersAgain() throws Exception {
            createRoom("loud", true);
            RedisDirectory paused = node("p", SHORT_TTL);
            List<ClientRecord> clients = List.of(record("p1", "pu1", "web", "p"), record("p2", "pu2", "ios", "p"),
                    record("p3", "pu2", "web", "p"));
            List<Membership> memberships = clients.stream()
                    .map(c -> new Membership(room("loud", true), c.clientId())).toList();
            NodeState state = new NodeState(clients, memberships);
            paused.register(state);
            assertEquals(new RoomStats("loud", 3, 2), stats("loud"));
            Thread.sleep(SHORT_TTL + 300);
            assertTrue(((RedisDirectory) a).beat());
            assertEquals(3, a.sweep());
            assertEquals(Map.of("pu1", 1L, "pu2", 1L), told.perUser("offline"));
            assertEquals(new RoomStats("loud", 0, 0), stats("loud"));
            told.clear();

            assertFalse(paused.beat(), "the paused node learns it was given up");
            paused.register(state);
            assertEquals(Map.of("pu1", 1L, "pu2", 1L), told.perUser("online"), "back online, once per user");
            assertTrue(told.all("online").stream().allMatch(t -> t.node().equals("p")), "told by the node itself");
            assertEquals(List.of("loud p1 pu1", "loud p2 pu2", "loud p3 pu2"), told.members("joined"));
            assertEquals(new RoomStats("loud", 3, 2), stats("loud"));
            assertEquals(Set.of("p1", "p2", "p3"), clientIds(list("loud", 10)));
            assertEquals(new Totals(3, 2), presence.totals());
            told.clear();
            paused.register(state);
            assertTrue(told.told.isEmpty(), "registering again what is there changes nothing: " + told.told);
        }

        @Test
        void theLastSeenKeyExpiresWithItsTtl() throws Exception {
            start(400);
            a.removeClient(onA("e1", "ephemeral"));
            try (Jedis jedis = server.client()) {
                String key = prefix + ":last-seen:ephemeral";
                long ttl = jedis.pttl(key);
                assertTrue(ttl > 0 && ttl <= 400, "expires within its TTL: " + ttl);
                Thread.sleep(800);
                assertFalse(jedis.exists(key), "gone from Redis, not only hidden");
            }
        }
    }
}
