package io.wshub.cluster;

import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.Membership;
import io.wshub.cluster.Directory.NodeState;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.it.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.Slowlog;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How long Redis is held by the scripts that write and sweep a big node: a node of N connections (default 19,000)
 * spread over 100 rooms registers, dies, and another node sweeps it. Redis's own SLOWLOG (threshold 0) records the
 * execution time of every script run; this prints their count, median, p99 and max per phase (the machine's other
 * load shows up in the max: a descheduled Redis counts the time it waited). Not a test: a figure for
 * docs/benchmarks.md.
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.cluster.RedisSweepBenchmark \
 *     -Dexec.args="19000"
 * </pre>
 */
public final class RedisSweepBenchmark {

    private static final long TTL = 1000;

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 19_000;
        try (RedisProcess server = new RedisProcess(Path.of("target", "redis-sweep-benchmark")).start();
             Jedis jedis = server.client()) {
            jedis.configSet("slowlog-log-slower-than", "0");
            jedis.configSet("slowlog-max-len", Integer.toString(20 * connections + 1000));
            RedisConnection redis = new RedisConnection(URI.create(server.url()), 8, 2000, (what, cause) -> {
                throw new IllegalStateException(what, cause);
            });
            redis.up();
            try {
                RedisDirectory big = new RedisDirectory(redis, "bench", "big", TTL, TTL);
                RedisDirectory sweeper = new RedisDirectory(redis, "bench", "sweeper", TTL, TTL);
                sweeper.register(new NodeState(List.of(), List.of()));
                List<ClientRecord> clients = new ArrayList<>();
                List<Membership> memberships = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    ClientRecord client = new ClientRecord("b" + i, "user" + i, "web", true, "big", 1L);
                    clients.add(client);
                    String room = "room-" + (i % 100);
                    memberships.add(new Membership(new RoomRecord(room, room, 0, true, 5L, 0), client.clientId()));
                }
                jedis.slowlogReset();
                long start = System.nanoTime();
                big.register(new NodeState(clients, memberships));
                report("register " + connections + " connections", jedis, start);

                Thread.sleep(TTL + 500); // the big node stops beating and expires
                sweeper.beat();
                jedis.slowlogReset();
                start = System.nanoTime();
                int swept = sweeper.sweep();
                report("sweep (" + swept + " connections)", jedis, start);
            } finally {
                redis.close();
            }
        }
    }

    private static void report(String phase, Jedis jedis, long startNanos) {
        double wallMs = (System.nanoTime() - startNanos) / 1e6;
        List<Slowlog> log = jedis.slowlogGet(Integer.MAX_VALUE);
        // Redis 7 also logs the commands a script calls; a script's own entry is its whole run
        long[] micros = log.stream()
                .filter(entry -> !entry.getArgs().isEmpty() && entry.getArgs().get(0).equalsIgnoreCase("evalsha"))
                .mapToLong(Slowlog::getExecutionTime).sorted().toArray();
        if (micros.length == 0) {
            System.out.println(phase + ": no script recorded");
            return;
        }
        long total = 0;
        for (long us : micros) {
            total += us;
        }
        String slowest = log.stream().filter(entry -> entry.getArgs().get(0).equalsIgnoreCase("evalsha")).max(java.util.Comparator.comparingLong(Slowlog::getExecutionTime))
                .map(entry -> String.join(" ", entry.getArgs().subList(0, Math.min(3, entry.getArgs().size()))))
                .orElse("");
        System.out.printf(Locale.ROOT, "%s: %d scripts in %.0f ms wall, Redis busy in them %.1f ms; per script p50 %d us, "
                        + "p99 %d us, max %d us (%s)%n", phase, micros.length, wallMs, total / 1000.0,
                micros[micros.length / 2], micros[(int) (micros.length * 0.99)], micros[micros.length - 1], slowest);
    }
}
