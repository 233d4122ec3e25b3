package io.wshub.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load runs for docs/benchmarks.md (not a test). It drives a running hub with WebSocket clients of its own
 * ({@link WsClient}: NIO, two selector threads, ~20,000 connections in one process) and reads the server's CPU time
 * from /proc, so that the figure reported is server CPU per operation.
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.bench.LoadGenerator \
 *     -Dexec.args="echo --pid 1234 --clients 100 --warmup 60 --seconds 30"
 * mvn ... -Dexec.args="fanout --pid 1234 --clients 1000 --rate 20 --warmup 60 --seconds 30"
 * </pre>
 * Across nodes: {@code --url} takes several hub URLs (members are spread over them round-robin), {@code --sender-url}
 * puts the sender on another node, and {@code --pid} several process ids (their CPU is added up).
 * <p>
 * The scenarios of shared/peer-figures.md one at a time against a running server ({@link Scenarios}):
 * {@code burst}, {@code fanout-max}, {@code broadcast}, {@code echo-loop}, {@code ping}, {@code connect}, or
 * {@code table} for all of them, with {@code --url ws://host:port/ws --pid PID}, {@code --flavor wshub|gohub}
 * (default wshub), {@code --admin-token JWT} (wshub's broadcast and stats), {@code --warmup S} (warm-up load first,
 * default 0), {@code --member-protocol gohub|jsonrpc|gows|sse} (the format of the fan-out's room members; the sender
 * stays a GoHub client) and the sizes of {@link Scenarios}. {@code token --dir D} makes an RSA key for wshub and prints the
 * environment and an admin token. The whole GoHub/wshub comparison is {@link PeerTable}.
 */
public final class LoadGenerator {

    private final Options options;
    private final String mode;

    private LoadGenerator(String[] args) {
        options = new Options(args);
        mode = options.mode("");
    }

    public static void main(String[] args) throws Exception {
        new LoadGenerator(args).run();
        System.exit(0);
    }

    private void run() throws Exception {
        switch (mode) {
            case "echo", "fanout" -> legacy();
            case "token" -> token();
            case "table" -> scenarios(Scenarios.ALL);
            default -> {
                if (!Scenarios.ALL.contains(mode)) {
                    throw new IllegalArgumentException("mode is echo, fanout, table, token or one of " + Scenarios.ALL);
                }
                scenarios(List.of(mode));
            }
        }
    }

    private Target target() {
        Target.Flavor flavor = Target.Flavor.valueOf(options.get("--flavor", "wshub").toUpperCase(Locale.ROOT));
        return new Target(flavor == Target.Flavor.GOHUB ? "GoHub" : "wshub", flavor,
                URI.create(options.get("--url", "ws://127.0.0.1:8080/ws").split(",")[0]), pids(),
                options.get("--admin-token", null), options.get("--gohub-secret", "bench-secret"),
                options.get("--gohub-issuer", "gohub"));
    }

    private long[] pids() {
        return Arrays.stream(options.get("--pid", "0").split(",")).mapToLong(Long::parseLong).toArray();
    }

    private void scenarios(List<String> names) throws Exception {
        Target target = target();
        if (target.pids[0] == 0) {
            System.out.println("no --pid: server CPU figures are not measured");
        }
        try (WsClient client = new WsClient(options.getInt("--client-threads", 2))) {
            Scenarios s = new Scenarios(client, target, options);
            s.warmup(options.getInt("--warmup", 0));
            for (String name : names) {
                Scenarios.Result r = s.run(name);
                System.out.println("  " + name + " " + r.values);
            }
        }
    }

    private void token() throws Exception {
        Tokens tokens = new Tokens(Path.of(options.get("--dir", "/tmp/wshub-bench-keys")));
        System.out.println("start wshub with:");
        System.out.println("  MP_JWT_VERIFY_PUBLICKEY_LOCATION=" + tokens.publicKeyFile().toUri()
                + " MP_JWT_VERIFY_ISSUER=" + Tokens.WSHUB_ISSUER);
        System.out.println("admin token (valid 24 h; this key exists only for this token):");
        System.out.println(tokens.admin());
    }

    // ------------------------------------------------------------------------------- echo and fanout (docs/benchmarks.md)

    /**
     * {@code echo}: {@code --clients} in a closed loop; {@code fanout}: {@code --clients} members of room
     * {@code bench} and one sender at {@code --rate} messages per second. The same traffic runs {@code --warmup}
     * seconds unmeasured, then {@code --seconds} measured.
     */
    private void legacy() throws Exception {
        List<URI> urls = Arrays.stream(options.get("--url", "ws://127.0.0.1:8080/ws").split(",")).map(URI::create)
                .toList();
        URI senderUrl = URI.create(options.get("--sender-url", urls.get(0).toString()));
        long[] pids = pids();
        int clients = options.getInt("--clients", 100);
        int rate = options.getInt("--rate", 20);
        int warmupSeconds = options.getInt("--warmup", 60);
        int seconds = options.getInt("--seconds", 30);
        Target target = new Target("hub", Target.Flavor.valueOf(options.get("--flavor", "wshub")
                .toUpperCase(Locale.ROOT)), urls.get(0), pids, null, options.get("--gohub-secret", "bench-secret"),
                options.get("--gohub-issuer", "gohub"));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        Scenarios.Counters counters = new Scenarios.Counters(2_000_000);
        List<WsClient.Conn> conns = new ArrayList<>();
        try (WsClient client = new WsClient(options.getInt("--client-threads", 2))) {
            Scenarios s = new Scenarios(client, target, options);
            if (mode.equals("echo")) {
                byte[] reply = Scenarios.bytes(target.echoReply() + "\"");
                Scenarios.Echoer[] echoers = new Scenarios.Echoer[clients];
                WsClient.Conn[] opened = client.openAll(clients, i -> urls.get(i % urls.size()),
                        i -> echoers[i] = s.new Echoer(counters, reply, false), 200, 600, null);
                conns.addAll(Arrays.asList(opened));
                for (int i = 0; i < clients; i++) {
                    if (opened[i].isOpen()) {
                        echoers[i].fire(opened[i]);
                    }
                }
            } else {
                Scenarios.Member[] members = new Scenarios.Member[clients + 1];
                WsClient.Conn[] opened = client.openAll(clients, i -> memberUri(target, urls.get(i % urls.size()), i),
                        i -> members[i] = new Scenarios.Member(counters, 1, Scenarios.bytes("room_message\"")), 200,
                        600, null);
                conns.addAll(Arrays.asList(opened));
                byte[] join = Scenarios.bytes("{\"message_type\":\"join_room\",\"data\":{\"room_id\":\"bench\"}}");
                for (WsClient.Conn c : opened) {
                    if (c.isOpen()) {
                        c.sendText(join);
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (counters.joined.get() < clients && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                WsClient.Conn[] sender = client.openAll(1, i -> memberUri(target, senderUrl, clients),
                        i -> members[clients] = new Scenarios.Member(counters, 1, Scenarios.bytes("room_message\"")),
                        1, 60, null);
                conns.add(sender[0]);
                sender[0].sendText(join);
                while (!members[clients].joined && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                AtomicLong seq = new AtomicLong();
                timer.scheduleAtFixedRate(() -> sender[0].sendText(Scenarios.roomMessage(seq.getAndIncrement(),
                        System.nanoTime(), 64)), 0, 1_000_000L / rate, TimeUnit.MICROSECONDS);
            }
            System.out.printf("%s: %d clients connected, warming up %d s%n", mode, clients, warmupSeconds);
            Thread.sleep(warmupSeconds * 1000L);
            long cpuBefore = Proc.cpuTicks(pids);
            long opsBefore = counters.delivered.sum();
            counters.measuring = true;
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            counters.measuring = false;
            double elapsed = (System.nanoTime() - start) / 1e9;
            long ops = counters.delivered.sum() - opsBefore;
            double cpuSeconds = (Proc.cpuTicks(pids) - cpuBefore) / Proc.TICKS_PER_SECOND;
            timer.shutdownNow();
            long[] sorted = counters.latencies.sorted();
            boolean echo = mode.equals("echo");
            System.out.printf(Locale.ROOT, "%s: %d clients, %.0f %s/s, p50 %.2f ms, p99 %.2f ms, server CPU %.1f%% of "
                            + "one core, %.1f us per %s%n", mode, clients, ops / elapsed, echo ? "requests" : "deliveries",
                    Scenarios.pct(sorted, 0.50) / 1e6, Scenarios.pct(sorted, 0.99) / 1e6, 100 * cpuSeconds / elapsed,
                    pids[0] == 0 ? Double.NaN : 1e6 * cpuSeconds / ops, echo ? "request" : "delivery");
            if (counters.serverClosed.get() > 0 || counters.errors.get() > 0 || counters.mismatched.get() > 0) {
                System.out.printf("%s: %d connections closed by the server %s, %d error frames, %d wrong replies%n",
                        mode, counters.serverClosed.get(), counters.closeCodes, counters.errors.get(),
                        counters.mismatched.get());
            }
            WsClient.closeAll(conns, 10);
        }
    }

    private static URI memberUri(Target target, URI url, int i) {
        if (target.isGohub()) {
            return URI.create(url + "?token=" + Tokens.gohubMember(target.gohubSecret, target.gohubIssuer,
                    "bench-" + i));
        }
        return url;
    }
}
