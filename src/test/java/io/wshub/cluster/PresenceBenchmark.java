package io.wshub.cluster;

import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.Membership;
import io.wshub.cluster.Directory.NodeState;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.Presence.RoomStats;
import io.wshub.it.RedisProcess;
import redis.clients.jedis.Jedis;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What presence costs through the Redis engine, on a real redis-server (the one the tests start): {@code
 * presence_stats} ({@link Presence#roomStats}) on rooms of 10, 10,000 and 19,000 members, many threads sharing one
 * pool as the hub's cluster calls do (calls per second) and one thread alone (latency); then the directory's join into
 * a room with join/leave events on and off (the listener publishing nothing), per join. Everything warm: a warm-up
 * phase of the same calls runs first. Also prints Redis's own CPU per call (INFO cpu) and this process's, and the
 * machine's load average, because the 2 cores are shared. Not a test: a figure for docs/benchmarks.md.
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.cluster.PresenceBenchmark \
 *     -Dexec.args="--warmup 30 --seconds 10 --threads 8 --rounds 2"
 * </pre>
 */
public final class PresenceBenchmark {

    /** The hub's default {@code wshub.redis.pool-size}. */
    private static final int POOL_SIZE = 16;
    private static final String PREFIX = "bench";
    private static final int[] ROOM_SIZES = {10, 10_000, 19_000};
    /** Connections joined (then left) per room and round when timing joins. */
    private static final int JOINS_PER_ROUND = 2_000;

    public static void main(String[] args) throws Exception {
        int warmupSeconds = option(args, "--warmup", 30);
        int seconds = option(args, "--seconds", 10);
        int threads = option(args, "--threads", 8);
        int rounds = option(args, "--rounds", 2);
        System.out.printf(Locale.ROOT, "presence benchmark: %d cores, warm-up %d s, %d s per window, %d threads, "
                        + "%d rounds, pool %d, load average %s%n", Runtime.getRuntime().availableProcessors(),
                warmupSeconds, seconds, threads, rounds, POOL_SIZE, loadAverage());
        try (RedisProcess server = new RedisProcess(Path.of("target", "presence-benchmark")).start();
             Jedis admin = server.client()) {
            System.out.println("redis-server " + admin.info("server").lines()
                    .filter(line -> line.startsWith("redis_version:")).findFirst().orElse("?"));
            RedisConnection redis = new RedisConnection(URI.create(server.url()), POOL_SIZE, 5000, (what, cause) -> {
                throw new IllegalStateException(what, cause);
            });
            redis.up();
            try {
                roomStats(redis, admin, warmupSeconds, seconds, threads, rounds);
                joins(redis, admin, rounds);
            } finally {
                redis.close();
            }
        }
    }

    private static int option(String[] args, String name, int otherwise) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return otherwise;
    }

    // presence_stats

    private static void roomStats(RedisConnection redis, Jedis admin, int warmupSeconds, int seconds, int threads,
                                  int rounds) throws Exception {
        RedisDirectory node = new RedisDirectory(redis, PREFIX, "node-a", 3_600_000, 3_600_000);
        RedisPresence presence = new RedisPresence(redis, node);
        // every room's members are connections of this node, two per user: the users count is half the clients
        List<ClientRecord> clients = new ArrayList<>();
        List<Membership> memberships = new ArrayList<>();
        int next = 0;
        for (int size : ROOM_SIZES) {
            RoomRecord room = new RoomRecord(roomOf(size), roomOf(size), 0, false, 1L, 0);
            node.createRoom(room);
            for (int i = 0; i < size; i++, next++) {
                ClientRecord client = new ClientRecord("c" + next, "u" + (next / 2), "web", true, "node-a", 1L);
                clients.add(client);
                memberships.add(new Membership(room, client.clientId()));
            }
        }
        long start = System.nanoTime();
        node.register(new NodeState(clients, memberships));
        System.out.printf(Locale.ROOT, "registered %,d connections in rooms of %s members in %.1f s%n", clients.size(),
                Arrays.toString(ROOM_SIZES), (System.nanoTime() - start) / 1e9);
        for (int size : ROOM_SIZES) {
            RoomStats stats = presence.roomStats(roomOf(size)).orElseThrow();
            if (stats.clients() != size || stats.users() != (size + 1) / 2) {
                throw new IllegalStateException("wrong counts for " + roomOf(size) + ": " + stats);
            }
        }

        // warm: the JIT compiles the pooled pipeline path, Redis's allocator settles
        long warmUntil = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            for (int size : ROOM_SIZES) {
                throughput(presence, roomOf(size), threads, 1);
                latencies(presence, roomOf(size), 1);
            }
        }
        System.out.println("warm-up done (" + warmupSeconds + " s of the same calls, all rooms, both modes)");
        for (int round = 1; round <= rounds; round++) {
            for (int size : ROOM_SIZES) {
                String room = roomOf(size);
                Window window = new Window(admin);
                long calls = throughput(presence, room, threads, seconds);
                window.end(admin);
                System.out.printf(Locale.ROOT, "round %d, room of %,6d members: %d threads %,9.0f calls/s "
                                + "(Redis CPU %.1f us/call, this process %.1f us/call, load %s)%n", round, size,
                        threads, calls / window.seconds(), window.redisCpuMicros() / calls,
                        window.processCpuMicros() / calls, loadAverage());
                long[] nanos = latencies(presence, room, Math.max(1, seconds / 2));
                System.out.printf(Locale.ROOT, "round %d, room of %,6d members: 1 thread   %,9.0f calls/s, latency "
                                + "mean %.0f us, p50 %.0f us, p99 %.0f us, max %.0f us%n", round, size,
                        nanos.length / (Arrays.stream(nanos).sum() / 1e9), Arrays.stream(nanos).average()
                                .orElse(0) / 1000, nanos[nanos.length / 2] / 1000.0,
                        nanos[(int) (nanos.length * 0.99)] / 1000.0, nanos[nanos.length - 1] / 1000.0);
            }
        }
    }

    private static String roomOf(int size) {
        return "room-" + size;
    }

    /** Calls of roomStats by {@code threads} threads over {@code seconds}. */
    private static long throughput(Presence presence, String room, int threads, int seconds)
            throws InterruptedException {
        LongAdder calls = new LongAdder();
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < until) {
                    presence.roomStats(room).orElseThrow();
                    calls.increment();
                }
            });
            thread.start();
            running.add(thread);
        }
        for (Thread thread : running) {
            thread.join();
        }
        return calls.sum();
    }

    /** One thread's calls over {@code seconds}, each timed; sorted. */
    private static long[] latencies(Presence presence, String room, int seconds) {
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        long[] nanos = new long[1 << 16];
        int n = 0;
        while (System.nanoTime() < until) {
            long start = System.nanoTime();
            presence.roomStats(room).orElseThrow();
            long took = System.nanoTime() - start;
            if (n == nanos.length) {
                nanos = Arrays.copyOf(nanos, n * 2);
            }
            nanos[n++] = took;
        }
        long[] taken = Arrays.copyOf(nanos, n);
        Arrays.sort(taken);
        return taken;
    }

    // joins with join/leave events on and off

    private static void joins(RedisConnection redis, Jedis admin, int rounds) {
        RedisDirectory node = new RedisDirectory(redis, PREFIX + "-joins", "node-a", 3_600_000, 3_600_000);
        AtomicLong joinedTold = new AtomicLong();
        AtomicLong leftTold = new AtomicLong();
        // the hub's listener would publish member_joined to the room; this one publishes nothing, so that the
        // figure is the directory's own cost of a room with events on
        node.listen(new Presence.Listener() {
            @Override
            public void memberJoined(String roomId, String clientId, String userId) {
                joinedTold.incrementAndGet();
            }

            @Override
            public void memberLeft(String roomId, String clientId, String userId) {
                leftTold.incrementAndGet();
            }
        });
        node.register(new NodeState(List.of(), List.of()));
        node.createRoom(new RoomRecord("events-on", "events-on", 0, false, 1L, 0, 0, 0, true));
        node.createRoom(new RoomRecord("events-off", "events-off", 0, false, 1L, 0, 0, 0, false));
        for (int i = 0; i < JOINS_PER_ROUND; i++) {
            node.addClient(new ClientRecord("j" + i, "ju" + i, "web", true, "node-a", 1L), 0);
        }
        // round 0 warms the join and leave paths and is not reported. Each connection joins both rooms, one right
        // after the other, which one first alternating: the machine's load (shared cores) drifts by the second, so
        // only joins timed side by side compare
        List<long[]> on = new ArrayList<>();
        List<long[]> off = new ArrayList<>();
        double redisMicros = 0;
        for (int round = 0; round <= rounds * 3; round++) {
            long[] onNanos = new long[JOINS_PER_ROUND];
            long[] offNanos = new long[JOINS_PER_ROUND];
            long toldBefore = joinedTold.get();
            Window window = new Window(admin);
            for (int i = 0; i < JOINS_PER_ROUND; i++) {
                if (i % 2 == 0) {
                    onNanos[i] = timedJoin(node, "events-on", "j" + i);
                    offNanos[i] = timedJoin(node, "events-off", "j" + i);
                } else {
                    offNanos[i] = timedJoin(node, "events-off", "j" + i);
                    onNanos[i] = timedJoin(node, "events-on", "j" + i);
                }
            }
            window.end(admin);
            if (joinedTold.get() - toldBefore != JOINS_PER_ROUND) {
                throw new IllegalStateException("the listener was told of " + (joinedTold.get() - toldBefore)
                        + " joins, not one per join into the room with events on");
            }
            for (int i = 0; i < JOINS_PER_ROUND; i++) {
                node.leave("events-on", "j" + i);
                node.leave("events-off", "j" + i);
            }
            if (round > 0) {
                on.add(onNanos);
                off.add(offNanos);
                redisMicros += window.redisCpuMicros();
            }
        }
        long[] allOn = sorted(on);
        long[] allOff = sorted(off);
        System.out.printf(Locale.ROOT, "join, events on : %,d joins, mean %.1f us, p50 %.1f us, p99 %.1f us%n",
                allOn.length, mean(allOn), allOn[allOn.length / 2] / 1000.0, allOn[(int) (allOn.length * 0.99)] / 1000.0);
        System.out.printf(Locale.ROOT, "join, events off: %,d joins, mean %.1f us, p50 %.1f us, p99 %.1f us%n",
                allOff.length, mean(allOff), allOff[allOff.length / 2] / 1000.0,
                allOff[(int) (allOff.length * 0.99)] / 1000.0);
        System.out.printf(Locale.ROOT, "join, added cost of events on: mean %+.1f us, p50 %+.1f us per join; Redis CPU "
                        + "%.1f us per join (both rooms); listener told %,d joins and %,d leaves%n",
                mean(allOn) - mean(allOff), (allOn[allOn.length / 2] - allOff[allOff.length / 2]) / 1000.0,
                redisMicros / (allOn.length + allOff.length), joinedTold.get(), leftTold.get());
        System.out.println("load average at the end: " + loadAverage());
    }

    private static long timedJoin(RedisDirectory node, String room, String clientId) {
        long start = System.nanoTime();
        Directory.JoinOutcome outcome = node.join(room, clientId, null);
        long took = System.nanoTime() - start;
        if (outcome.status() != Directory.JoinOutcome.Status.JOINED) {
            throw new IllegalStateException(room + " " + clientId + ": " + outcome.status());
        }
        return took;
    }

    private static long[] sorted(List<long[]> parts) {
        long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        return all;
    }

    private static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1000;
    }

    // what the machine did meanwhile

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (Exception e) {
            return "?";
        }
    }

    /** A measured window: its wall time, Redis's CPU (INFO cpu) and this process's CPU over it. */
    private static final class Window {
        private final long startNanos = System.nanoTime();
        private final double redisStart;
        private final long processStart = processCpuNanos();
        private long endNanos;
        private double redisEnd;
        private long processEnd;

        Window(Jedis admin) {
            redisStart = redisCpuSeconds(admin);
        }

        void end(Jedis admin) {
            endNanos = System.nanoTime();
            redisEnd = redisCpuSeconds(admin);
            processEnd = processCpuNanos();
        }

        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }

        double redisCpuMicros() {
            return (redisEnd - redisStart) * 1e6;
        }

        double processCpuMicros() {
            return (processEnd - processStart) / 1e3;
        }

        private static double redisCpuSeconds(Jedis admin) {
            double total = 0;
            for (String line : admin.info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                    total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return total;
        }

        private static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }
}
