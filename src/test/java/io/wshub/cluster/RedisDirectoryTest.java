package io.wshub.cluster;

import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.JoinOutcome;
import io.wshub.cluster.Directory.Membership;
import io.wshub.cluster.Directory.NodeState;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.it.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Redis directory and each of its Lua scripts against a real redis-server, without a container: limits, rooms,
 * node ownership and expiry, registering again after a pause, sweeping a dead node in bounded steps, and telling a
 * Redis bug from an outage.
 */
class RedisDirectoryTest {

    static final long TTL = 1000;
    static RedisProcess server;
    static final AtomicInteger bugs = new AtomicInteger();
    static RedisConnection redis;
    static int prefixes;
    String prefix;

    @BeforeAll
    static void startRedis() {
        server = new RedisProcess(Path.of("target", "redis-directory-test")).start();
        redis = new RedisConnection(java.net.URI.create(server.url()), 8, 2000, (what, cause) -> bugs.incrementAndGet());
        redis.up();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    @BeforeEach
    void freshPrefix() {
        prefix = "t" + (++prefixes);
    }

    RedisDirectory node(String id) {
        return new RedisDirectory(redis, prefix, id, TTL, 60_000);
    }

    static ClientRecord client(String id, String user, String node) {
        return new ClientRecord(id, user, "web", true, node, 1L);
    }

    static RoomRecord auto(String id) {
        return new RoomRecord(id, id, 0, true, 5L, 0);
    }

    Jedis jedis() {
        return server.client();
    }

    /** A node that has registered (with no connections yet) and beats. */
    RedisDirectory live(String id) {
        RedisDirectory node = node(id);
        node.register(new NodeState(List.of(), List.of()));
        assertTrue(node.beat());
        return node;
    }

    @Test
    void theConnectionLimitPerUserCountsLiveConnectionsOnly() throws Exception {
        RedisDirectory a = live("a");
        RedisDirectory b = live("b");
        assertTrue(a.addClient(client("c1", "u", "a"), 2));
        assertTrue(b.addClient(client("c2", "u", "b"), 2));
        assertFalse(a.addClient(client("c3", "u", "a"), 2), "a third connection of u, anywhere, is over 2");
        assertTrue(a.addClient(client("c3", "other", "a"), 2));
        assertEquals(Set.of("c1", "c2"), a.clientsOfUser("u").stream().map(ClientRecord::clientId)
                .collect(Collectors.toSet()));
        // b stops beating: once its TTL passes, its connection no longer counts nor shows
        Thread.sleep(TTL + 200);
        a.beat();
        assertEquals(Set.of("c1"), a.clientsOfUser("u").stream().map(ClientRecord::clientId)
                .collect(Collectors.toSet()));
        assertTrue(a.addClient(client("c4", "u", "a"), 2));
    }

    @Test
    void aConnectionChangesUserWithinTheLimit() {
        RedisDirectory a = live("a");
        a.addClient(client("x1", "guest-1", "a"), 0);
        a.addClient(client("y1", "alice", "a"), 0);
        assertFalse(a.updateClient(client("x1", "guest-1", "a"), client("x1", "alice", "a"), 1));
        assertTrue(a.updateClient(client("x1", "guest-1", "a"), client("x1", "alice", "a"), 2));
        assertEquals(2, a.clientsOfUser("alice").size());
        assertTrue(a.clientsOfUser("guest-1").isEmpty());
        try (Jedis jedis = jedis()) {
            assertFalse(jedis.exists(prefix + ":user:guest-1"));
            assertNull(jedis.zscore(prefix + ":online-users", "guest-1"));
        }
    }

    @Test
    void joinsDecideExistenceCapacityAndMembershipAtomically() throws Exception {
        RedisDirectory a = live("a");
        assertEquals(JoinOutcome.Status.NOT_FOUND, a.join("nowhere", "c1", null).status());
        assertTrue(a.createRoom(new RoomRecord("small", "Small", 2, false, 9L, 0)).isPresent());
        assertTrue(a.createRoom(new RoomRecord("small", "again", 0, false, 9L, 0)).isEmpty());
        assertEquals(JoinOutcome.Status.JOINED, a.join("small", "c1", null).status());
        assertEquals(JoinOutcome.Status.ALREADY_MEMBER, a.join("small", "c1", null).status());
        JoinOutcome second = a.join("small", "c2", null);
        assertEquals(2, second.room().members());
        assertEquals("Small", second.room().name());
        assertEquals(JoinOutcome.Status.FULL, a.join("small", "c3", null).status());
        // twenty joins at once for the last places of a room of five: exactly five get in
        a.createRoom(new RoomRecord("five", "five", 5, false, 0L, 0));
        List<CompletableFuture<JoinOutcome>> joins = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "p" + i;
            joins.add(CompletableFuture.supplyAsync(() -> a.join("five", id, null)));
        }
        long joined = joins.stream().map(CompletableFuture::join)
                .filter(o -> o.status() == JoinOutcome.Status.JOINED).count();
        assertEquals(5, joined);
        assertEquals(5, a.room("five").orElseThrow().members());
    }

    @Test
    void anAutoCreatedRoomGoesWithItsLastMemberAnExplicitOneStays() {
        RedisDirectory a = live("a");
        a.addClient(client("c1", "u1", "a"), 0);
        a.addClient(client("c2", "u2", "a"), 0);
        a.createRoom(new RoomRecord("kept", "kept", 0, false, 0L, 0));
        assertEquals(JoinOutcome.Status.JOINED, a.join("fleeting", "c1", auto("fleeting")).status());
        a.join("fleeting", "c2", auto("fleeting"));
        a.join("kept", "c1", null);
        assertTrue(a.room("fleeting").get().autoCreated());
        assertEquals(Set.of("fleeting", "kept"), a.roomsOf("c1"));
        assertTrue(a.leave("fleeting", "c2"));
        assertFalse(a.leave("fleeting", "c2"));
        a.removeClient(client("c1", "u1", "a"));
        assertTrue(a.room("fleeting").isEmpty(), "emptied auto-created room gone");
        assertEquals(0, a.room("kept").orElseThrow().members(), "explicit room stays, empty");
        try (Jedis jedis = jedis()) {
            assertFalse(jedis.exists(prefix + ":client:c1"));
            assertFalse(jedis.exists(prefix + ":client-rooms:c1"));
            assertFalse(jedis.sismember(prefix + ":rooms", "fleeting"));
            assertFalse(jedis.sismember(prefix + ":node-clients:a", "c1"));
        }
    }

    @Test
    void deletingARoomTakesItsMembersOut() {
        RedisDirectory a = live("a");
        a.createRoom(new RoomRecord("doomed", "doomed", 0, false, 0L, 0));
        for (String id : List.of("c1", "c2", "c3")) {
            a.addClient(client(id, "u-" + id, "a"), 0);
            a.join("doomed", id, null);
        }
        assertTrue(a.deleteRoom("doomed"));
        assertFalse(a.deleteRoom("doomed"));
        assertTrue(a.roomsOf("c1").isEmpty());
        assertTrue(a.room("doomed").isEmpty());
    }

    @Test
    void registeringReplacesWhatTheDirectoryHadOfTheNode() {
        RedisDirectory a = live("a");
        a.addClient(client("gone", "u-gone", "a"), 0);
        a.addClient(client("kept", "u-kept", "a"), 0);
        a.join("stale-room", "kept", auto("stale-room"));
        // the node now holds "kept" (in "r1" only) and "new" (in "r1"): "gone" and the stale membership go
        a.register(new NodeState(List.of(client("kept", "u-kept", "a"), client("new", "u-new", "a")),
                List.of(new Membership(auto("r1"), "kept"), new Membership(auto("r1"), "new"))));
        assertTrue(a.client("gone").isEmpty());
        assertEquals(Set.of("r1"), a.roomsOf("kept"));
        assertEquals(Set.of("kept", "new"), Set.copyOf(a.members("r1")));
        assertTrue(a.room("stale-room").isEmpty());
        assertTrue(a.beat());
    }

    @Test
    void aDeadNodeIsClaimedAndSweptByAnother() throws Exception {
        RedisDirectory dead = live("dead");
        RedisDirectory alive = live("alive");
        alive.createRoom(new RoomRecord("admin-room", "admin-room", 0, false, 0L, 0));
        List<ClientRecord> clients = new ArrayList<>();
        List<Membership> memberships = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ClientRecord record = client("d" + i, "du" + (i % 50), "dead");
            clients.add(record);
            memberships.add(new Membership(auto("auto-" + (i % 10)), record.clientId()));
            memberships.add(new Membership(new RoomRecord("admin-room", "admin-room", 0, false, 0L, 0),
                    record.clientId()));
        }
        dead.register(new NodeState(clients, memberships));
        alive.addClient(client("a1", "au", "alive"), 0);
        alive.join("admin-room", "a1", null);
        assertEquals(251, alive.room("admin-room").orElseThrow().members());
        Thread.sleep(TTL + 200);
        assertTrue(alive.beat());
        assertEquals(List.of("a1"), alive.members("admin-room"), "a dead node's members are hidden at once");
        assertEquals(250, alive.sweep());
        assertEquals(1, alive.room("admin-room").orElseThrow().members(), "and removed by the sweep");
        assertEquals(List.of("alive"), alive.nodes().stream().map(Directory.NodeRecord::nodeId).toList());
        try (Jedis jedis = jedis()) {
            Set<String> left = jedis.keys(prefix + ":*");
            Set<String> lastSeen = new HashSet<>(left);
            lastSeen.removeIf(key -> !key.startsWith(prefix + ":last-seen:"));
            assertEquals(50, lastSeen.size(), "each of the dead node's users has a last-seen time");
            lastSeen.forEach(key -> assertTrue(jedis.pttl(key) > 0, key + " expires"));
            left.removeAll(lastSeen);
            left.removeIf(key -> key.endsWith(":alive") || key.endsWith(":a1") || key.endsWith(":au")
                    || key.endsWith(":admin-room") || key.equals(prefix + ":nodes") || key.equals(prefix + ":rooms")
                    || key.equals(prefix + ":clients") || key.equals(prefix + ":online-users")
                    || key.equals(prefix + ":presence-clock")); // the cluster's, one key
            assertEquals(Set.of(), left, "nothing of the dead node is left");
            assertEquals(1, jedis.scard(prefix + ":clients"));
            assertEquals(1, jedis.zcard(prefix + ":online-users"));
        }
        assertFalse(dead.beat(), "the dead node, if it comes back, learns it was given up");
    }

    @Test
    void aPausedNodeThatComesBackDuringTheSweepKeepsItsConnections() throws Exception {
        RedisDirectory paused = live("paused");
        RedisDirectory other = live("other");
        List<ClientRecord> clients = new ArrayList<>();
        List<Membership> memberships = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ClientRecord record = client("p" + i, "pu" + i, "paused");
            clients.add(record);
            memberships.add(new Membership(auto("room-" + (i % 20)), record.clientId()));
        }
        NodeState state = new NodeState(clients, memberships);
        paused.register(state);
        Thread.sleep(TTL + 200);
        CompletableFuture<Integer> sweep = CompletableFuture.supplyAsync(() -> {
            other.beat();
            return other.sweep();
        });
        Thread.sleep(20);
        if (!paused.beat()) {
            paused.register(state); // what its heartbeat does when it learns it was given up
        }
        sweep.join();
        assertTrue(paused.beat());
        assertEquals(2000, other.clients().stream().filter(c -> c.nodeId().equals("paused")).count(),
                "the paused node's clients are back");
        for (int i = 0; i < 2000; i += 97) {
            assertTrue(other.client("p" + i).isPresent(), "p" + i + " survived the sweep");
            assertEquals(Set.of("room-" + (i % 20)), other.roomsOf("p" + i));
        }
        assertEquals(100, other.members("room-3").size());
    }

    /**
     * 19,000 connections of a dead node are swept in bounded steps: one short script per connection (so no script's
     * work grows with the node's size), pipelined. How long a step holds Redis is measured in docs/benchmarks.md, not
     * asserted here.
     */
    @Test
    void sweepingNineteenThousandConnectionsTakesOneShortScriptEach() throws Exception {
        RedisDirectory dead = live("big");
        RedisDirectory alive = live("sweeper");
        List<ClientRecord> clients = new ArrayList<>();
        List<Membership> memberships = new ArrayList<>();
        for (int i = 0; i < 19_000; i++) {
            ClientRecord record = client("b" + i, "bu" + i, "big");
            clients.add(record);
            memberships.add(new Membership(auto("big-room-" + (i % 100)), record.clientId()));
        }
        dead.register(new NodeState(clients, memberships));
        Thread.sleep(TTL + 200);
        try (Jedis jedis = jedis()) {
            jedis.configResetStat();
            alive.beat();
            assertEquals(19_000, alive.sweep());
            long scripts = evalshaCalls(jedis.info("commandstats"));
            assertTrue(scripts >= 19_000 && scripts <= 19_000 + 10, "one script per connection, not " + scripts);
            assertEquals(0, jedis.scard(prefix + ":clients"));
            assertTrue(jedis.keys(prefix + ":members:*").isEmpty());
        }
    }

    private static long evalshaCalls(String commandStats) {
        Matcher calls = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(commandStats);
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }

    @Test
    void deregisteringRemovesTheNodeAndItsEntriesAtOnce() {
        RedisDirectory leaving = live("leaving");
        RedisDirectory other = live("other");
        leaving.register(new NodeState(List.of(client("l1", "lu", "leaving"), client("l2", "lu", "leaving")),
                List.of(new Membership(auto("shared"), "l1"))));
        other.addClient(client("o1", "ou", "other"), 0);
        other.join("shared", "o1", auto("shared"));
        leaving.deregister();
        assertTrue(other.clientsOfUser("lu").isEmpty());
        assertEquals(List.of("o1"), other.members("shared"));
        assertEquals(List.of("other"), other.nodes().stream().map(Directory.NodeRecord::nodeId).toList());
    }

    @Test
    void scriptsAreRunBySHAAndLoadedAgainWhenRedisForgetsThem() {
        RedisDirectory a = live("a");
        try (Jedis jedis = jedis()) {
            jedis.scriptFlush();
            assertFalse(jedis.scriptExists(RedisScripts.ADD_CLIENT.sha()));
        }
        assertTrue(a.addClient(client("s1", "su", "a"), 0), "NOSCRIPT is answered by loading the script");
        try (Jedis jedis = jedis()) {
            assertTrue(jedis.scriptExists(RedisScripts.ADD_CLIENT.sha()));
        }
    }

    /** Every key a script touches comes in KEYS (what Redis Cluster needs): no script builds a key name itself. */
    @Test
    void scriptsDeclareEveryKeyTheyTouch() throws IOException {
        Pattern call = Pattern.compile("redis\\.call\\('([A-Z]+)',\\s*([^,)]+)");
        for (RedisScripts script : RedisScripts.values()) {
            String source = script.source();
            String code = source.lines().filter(line -> !line.trim().startsWith("--")).collect(Collectors.joining("\n"));
            Matcher matcher = call.matcher(code);
            int calls = 0;
            while (matcher.find()) {
                calls++;
                if (matcher.group(1).equals("PUBLISH")) {
                    continue; // a channel, not a key
                }
                String key = matcher.group(2).trim();
                // a key is a declared one as it is: never one built in the script (KEYS[1] .. ':x')
                assertTrue(key.matches("KEYS\\[[^\\]]+\\]") || key.equals("settings") || key.equals("members")
                                || key.equals("users") || key.equals("clock"),
                        script + ": " + matcher.group(1) + " on " + key + " is not a declared key");
            }
            assertTrue(calls > 0, script + " has no redis.call");
            // presence_version's clock is its caller's declared key
            Matcher clock = Pattern.compile("presence_version\\(([^)]*)\\)").matcher(code);
            while (clock.find()) {
                assertTrue(clock.group(1).equals("clock") || clock.group(1).matches("KEYS\\[[0-9]+\\]"),
                        script + ": presence_version(" + clock.group(1) + ") is not given a declared key");
            }
            try (InputStream in = RedisScripts.class.getResourceAsStream("/io/wshub/cluster/redis/"
                    + script.name().toLowerCase() + ".lua")) {
                String file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(source.endsWith(file), script + " runs its file, after the functions it uses");
            }
        }
    }

    @Test
    void aWrongTypeIsABugNotAnOutage() {
        RedisDirectory a = live("a");
        try (Jedis jedis = jedis()) {
            jedis.set(prefix + ":user:broken", "a string, not a hash");
        }
        int before = bugs.get();
        ClusterFailureException bug = assertThrows(ClusterFailureException.class, () -> a.clientsOfUser("broken"));
        assertEquals(io.wshub.protocol.ErrorCode.SERVER_ERROR, bug.code());
        assertEquals(before + 1, bugs.get(), "counted");
        assertThrows(ClusterFailureException.class, () -> a.addClient(client("w1", "broken", "a"), 2));
    }

    @Test
    void anUnreachableRedisIsAnOutage() {
        RedisConnection nowhere = new RedisConnection(java.net.URI.create("redis://127.0.0.1:1"), 1, 200,
                (what, cause) -> bugs.incrementAndGet());
        nowhere.up();
        int before = bugs.get();
        RedisDirectory a = new RedisDirectory(nowhere, prefix, "a", TTL, 60_000);
        ClusterUnavailableException outage = assertThrows(ClusterUnavailableException.class,
                () -> a.addClient(client("n1", "nu", "a"), 0));
        assertEquals(io.wshub.protocol.ErrorCode.CLUSTER_UNAVAILABLE, outage.code());
        assertTrue(a.needsRegister(), "a lost write makes the node write its state again");
        assertEquals(before, bugs.get(), "an outage is not counted as a bug");
        nowhere.close();
    }
}
