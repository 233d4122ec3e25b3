package io.wshub.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The capacity check: one node holds {@code --clients} (19,000) connections with pings on, each joined to one of
 * {@code --rooms} (100) rooms ({@code cap-<i % rooms>}), for {@code --minutes} (10), and still delivers an admin
 * broadcast to every one of them with no loss and a p99 under 1 s.
 * <pre>
 * mvn -q -DskipTests package exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.bench.Capacity \
 *     -Dexec.args="--minutes 10"
 * </pre>
 * Without {@code --url} it starts its own node like {@link Soak} does: the built {@code target/wshub.war} on Payara
 * Micro, {@code --nocluster}, the memory bus, {@code payara-config/pre-boot-commands.asadmin}, {@code -Xmx}{@code --xmx}
 * (2g) plus the JVM options of {@code --jvm "..."} (split on spaces, e.g. {@code --jvm "-Dwshub.ping-interval=10"}),
 * on a free port ({@code --port} to choose), with a JWT key made for the run ({@link Tokens}) for the admin API; it
 * stops the node at the end. With {@code --url ws://host:port/ws} it uses a running node: {@code --pid} for the /proc
 * figures and the heap, {@code --admin-token} for {@code POST /api/broadcast} and {@code GET /api/stats}.
 * <p>
 * The run: connects {@code --clients} connections, {@code --in-flight} (200) handshakes at a time; each sends
 * {@code join_room} as soon as it is open and waits for {@code room_joined} (failures and refusals are counted). Then
 * it holds them for {@code --minutes} (the server pings every 25 s by default; {@link WsClient} answers). Every
 * {@code --broadcast-every} (30) seconds it posts one {@code POST /api/broadcast} of type {@code bench_broadcast}
 * whose payload is that of {@link Scenarios} ({@code {"p":"seq:nanos:xxx..."}}, 64 characters), except that
 * {@code nanos} is wall-clock time (epoch nanoseconds), so that receivers in another process on the same machine can
 * tell the latency too. For each broadcast: delivered / expected (expected: the clients whose {@code connected} frame
 * came before the broadcast was posted), lost, duplicated, out of order, p50 / p99 / max latency from the post to the
 * receipt; a broadcast is settled when every expected client has it or {@code --grace} (10) seconds passed, and
 * counted again at the end. Every minute it prints: connections open (client side), connections the server reports
 * ({@code wshub_connections_current} of each node's {@code /metrics}, and the cluster's {@code clients} of
 * {@code GET /api/stats} when it has an admin token), closes by the server with their codes, the server's RSS,
 * threads and CPU over the minute (/proc), and the last settled broadcast. At the end: the live heap after a full GC
 * ({@code jcmd GC.class_histogram}) with every connection still open (and at the start, for bytes per connection);
 * then every client closes and it reports how long until {@code wshub_connections_current} is 0 on every node. The
 * markdown summary, with the verdicts (all connected and joined; none closed by the server; every broadcast
 * delivered to all with 0 lost, duplicated and out of order; p99 under 1 s for each broadcast), goes to stdout and
 * {@code <run-dir>/capacity.md}; the exit status is 0 when every verdict is ok, 1 otherwise.
 * <p>
 * A cluster: {@code --url} takes several comma-separated URLs (clients are spread round-robin over them) and
 * {@code --pid} as many comma-separated pids (0 for unknown); the broadcast is posted to the first URL (a broadcast
 * reaches every node). One process holds at most ~19,000 sockets (this machine allows 20,000 open files per
 * process), so a cluster run of more connections needs one process per ~19,000 connections, e.g. one per node: start
 * the receiving processes first with {@code --broadcast false} (they only receive, check and count; their expected
 * count is their own clients, and they take the sequence number and send time from each payload), with a
 * {@code --minutes} a minute or so longer, then one process that posts:
 * <pre>
 * ... -Dexec.args="--url ws://127.0.0.1:8082/ws --pid 2345 --broadcast false --minutes 11 --run-dir /tmp/cap-2"
 * ... -Dexec.args="--url ws://127.0.0.1:8083/ws --pid 3456 --broadcast false --minutes 11 --run-dir /tmp/cap-3"
 * ... -Dexec.args="--url ws://127.0.0.1:8081/ws --pid 1234 --admin-token $TOKEN --minutes 10 --run-dir /tmp/cap-1"
 * </pre>
 * (the admin token must be signed by the key the nodes verify; a receiving process counts a broadcast that none of
 * its clients got, between two it saw, as lost to the clients that were connected before the earlier one).
 * <p>
 * Options: {@code --url}, {@code --pid}, {@code --admin-token}, {@code --clients 19000}, {@code --rooms 100},
 * {@code --minutes 10}, {@code --broadcast-every 30}, {@code --broadcast true|false}, {@code --in-flight 200},
 * {@code --grace 10}, {@code --join-timeout 120}, {@code --zero-wait 60} (seconds to wait for the gauge to reach 0),
 * {@code --client-threads 2}, {@code --commit LABEL}, {@code --run-dir DIR}; for the node it starts: {@code --xmx 2g},
 * {@code --jvm "..."}, {@code --port}, {@code --wshub-war target/wshub.war}, {@code --payara-jar}, {@code --preboot},
 * {@code --start-timeout 300}.
 */
public final class Capacity {

    private static final String PAYARA_VERSION = "6.2025.10";
    private static final byte[] BROADCAST = Scenarios.bytes("bench_broadcast\"");
    private static final byte[] CONNECTED = Scenarios.bytes("connected\"");
    private static final byte[] ROOM_JOINED = Scenarios.bytes("room_joined\"");
    private static final byte[] ERROR = Scenarios.bytes("error\"");
    private static final byte[] P_KEY = Scenarios.bytes("\"p\":\"");
    private static final Pattern CONNECTIONS_CURRENT =
            Pattern.compile("(?m)^wshub_connections_current(?:\\{[^}]*\\})?\\s+(\\S+)");
    private static final Pattern SLOW_CONSUMERS =
            Pattern.compile("(?m)^wshub_slow_consumer_disconnects_total(?:\\{[^}]*\\})?\\s+(\\S+)");
    private static final Pattern DELIVERED = Pattern.compile("\"delivered\"\\s*:\\s*(\\d+)");

    private final Options o;
    private final String[] args;
    private final int clients;
    private final int rooms;
    private final int minutes;
    private final int every;
    private final int inFlight;
    private final int graceSeconds;
    private final boolean post;
    private final Path runDir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private Process node;
    private Path log;
    private long logStart;
    private URI[] urls;
    private URI[] bases;
    private long[] pids;
    private String adminToken;
    private Target first;
    private Client[] cs;
    private WsClient.Conn[] conns;
    private final Map<Integer, Broadcast> broadcasts = new ConcurrentHashMap<>();
    private final AtomicInteger maxSeq = new AtomicInteger(-1);
    private volatile boolean closing;

    // what the clients saw
    private final AtomicInteger joined = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger serverClosed = new AtomicInteger();
    private final Map<Integer, Integer> closeCodes = new ConcurrentHashMap<>();
    private final List<String> closeExamples = new ArrayList<>();
    private final LongAdder errors = new LongAdder();
    private volatile String firstError;
    private final Map<String, LongAdder> otherTypes = new ConcurrentHashMap<>();

    private Capacity(Options o, String[] args) throws IOException {
        this.o = o;
        this.args = args;
        clients = o.getInt("--clients", 19_000);
        rooms = Math.max(1, o.getInt("--rooms", 100));
        minutes = o.getInt("--minutes", 10);
        every = Math.max(1, o.getInt("--broadcast-every", 30));
        inFlight = o.getInt("--in-flight", 200);
        graceSeconds = o.getInt("--grace", 10);
        post = !o.get("--broadcast", "true").equalsIgnoreCase("false");
        runDir = Path.of(o.get("--run-dir", "/tmp/wshub-capacity-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))).toAbsolutePath();
        Files.createDirectories(runDir);
    }

    public static void main(String[] args) throws Exception {
        Capacity run = new Capacity(new Options(args), args);
        Runtime.getRuntime().addShutdownHook(new Thread(run::stopNode));
        int code;
        try {
            code = run.run();
        } finally {
            run.stopNode();
        }
        System.exit(code);
    }

    // ---------------------------------------------------------------------------------------------------- the run

    /** One line of the per-minute log. */
    private record Sample(int minute, int open, String server, int closedByServer, String closeCodes, String nodes,
                          double selfCpuPct, double otherCpuPct, String lastBroadcast) {
    }

    private int run() throws Exception {
        String date = LocalDateTime.now().withNano(0).toString();
        String commit = o.get("--commit", commit());
        String command = "mvn -q -DskipTests package exec:java -Dexec.classpathScope=test "
                + "-Dexec.mainClass=io.wshub.bench.Capacity -Dexec.args=\"" + String.join(" ", args) + "\"";
        String given = o.get("--url", null);
        if (given == null) {
            Tokens tokens = new Tokens(runDir);
            adminToken = tokens.admin();
            int port = o.getInt("--port", freePort());
            node = startWshub(tokens, port);
            urls = new URI[]{URI.create("ws://127.0.0.1:" + port + "/ws")};
            pids = new long[]{node.pid()};
        } else {
            String[] u = given.split(",");
            urls = new URI[u.length];
            for (int i = 0; i < u.length; i++) {
                urls[i] = URI.create(u[i].trim());
            }
            String[] p = o.get("--pid", "").isBlank() ? new String[0] : o.get("--pid", "").split(",");
            pids = new long[urls.length];
            for (int i = 0; i < Math.min(p.length, pids.length); i++) {
                pids[i] = Long.parseLong(p[i].trim());
            }
            adminToken = o.get("--admin-token", null);
            if (post && adminToken == null) {
                throw new IllegalArgumentException("--url without --admin-token: give the admin token for "
                        + "POST /api/broadcast, or --broadcast false to only receive");
            }
        }
        bases = new URI[urls.length];
        for (int i = 0; i < urls.length; i++) {
            bases[i] = URI.create("http://" + urls[i].getHost() + ":" + urls[i].getPort());
        }
        first = new Target("node-1", Target.Flavor.WSHUB, urls[0], new long[]{pids[0]}, adminToken, null, null);
        int broadcastsPlanned = post ? minutes * 60 / every : 0;
        System.out.printf("%s capacity: %,d clients over %s, %d rooms, %d minutes, %s, commit %s, run directory %s%n",
                now(), clients, Arrays.toString(urls), rooms, minutes, post
                        ? String.format(Locale.ROOT, "a broadcast every %d s (%d) posted to %s", every,
                        broadcastsPlanned, bases[0]) : "receiving only (--broadcast false)", commit, runDir);
        long fds = openFiles();
        long limit = fileLimit();
        if (fds >= 0 && limit > 0 && clients > limit - fds - 50) {
            System.out.printf("    warning: this process may open %d files and has %d open; %,d connections will "
                    + "not all fit (see the class comment for a run over several processes)%n", limit, fds, clients);
        }

        // heap with no connection (full GC), for bytes per connection
        long[] heapStart = new long[pids.length];
        for (int n = 0; n < pids.length; n++) {
            heapStart[n] = pids[n] == 0 ? -1 : liveHeap(pids[n]);
        }
        double[] serverAtStart = serverConnections();
        long[] rssStart = new long[pids.length];
        int[] threadsStart = new int[pids.length];
        for (int n = 0; n < pids.length; n++) {
            rssStart[n] = Proc.rssKib(pids[n]) / 1024;
            threadsStart[n] = Proc.threads(pids[n]);
        }

        // connect and join
        cs = new Client[clients];
        byte[][] joins = new byte[rooms][];
        for (int r = 0; r < rooms; r++) {
            joins[r] = Scenarios.bytes("{\"message_id\":1,\"message_type\":\"join_room\",\"data\":{\"room_id\":\"cap-"
                    + r + "\"}}");
        }
        long connectCpu0 = cpuTicks();
        long c0 = System.nanoTime();
        int progressEvery = Math.max(1000, clients / 10);
        WsClient client = new WsClient(o.getInt("--client-threads", 2));
        conns = client.openAll(clients, i -> urls[i % urls.length], i -> cs[i] = new Client(joins[i % rooms]),
                inFlight, 600, n -> {
                    if (n % progressEvery == 0) {
                        System.out.printf("%s   %,d handshakes done%n", now(), n);
                    }
                });
        long c1 = System.nanoTime();
        int connected = 0;
        for (WsClient.Conn c : conns) {
            connected += c != null && c.openedNanos != 0 ? 1 : 0;
        }
        boolean allJoined = awaitJoins(o.getInt("--join-timeout", 120));
        long c2 = System.nanoTime();
        double connectCpuPct = 100 * (cpuTicks() - connectCpu0) / Proc.TICKS_PER_SECOND / ((c2 - c0) / 1e9);
        long[] handshakes = handshakeNanos();
        String failures = failures();
        String connectLine = String.format(Locale.ROOT, "%,d of %,d connected in %.1f s (%.0f conn/s, handshake "
                        + "p50 %.0f ms, p99 %.0f ms%s), %,d joined %s %.1f s after the first handshake, %,d refused%s;"
                        + " server CPU %.0f%% of a core meanwhile", connected, clients, (c1 - c0) / 1e9,
                connected / ((c1 - c0) / 1e9), Scenarios.pct(handshakes, 0.5) / 1e6,
                Scenarios.pct(handshakes, 0.99) / 1e6, failures, joined.get(), allJoined ? "in" : "(wait ended)",
                (c2 - c0) / 1e9, refused.get(), firstError == null ? "" : " (first error frame: " + firstError + ")",
                connectCpuPct);
        System.out.printf("%s %s%n", now(), connectLine);
        int closedDuringConnect = serverClosed.get();

        // hold, broadcast, sample
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        long lastNanos = t0;
        long[] lastServer = new long[pids.length];
        for (int n = 0; n < pids.length; n++) {
            lastServer[n] = Proc.cpuTicks(pids[n]);
        }
        long holdCpu0 = cpuTicks();
        long lastSelf = Proc.selfCpuTicks();
        long lastBusy = Proc.machineBusyTicks();
        int nextBroadcast = 1;
        int nextMinute = 1;
        int seq = 0;
        long end = t0 + TimeUnit.MINUTES.toNanos(minutes);
        while (true) {
            long now = System.nanoTime();
            if (post && nextBroadcast <= broadcastsPlanned
                    && now - t0 >= TimeUnit.SECONDS.toNanos((long) nextBroadcast * every)) {
                postBroadcast(seq++);
                nextBroadcast++;
                continue;
            }
            settle(false);
            if (nextMinute <= minutes && now - t0 >= TimeUnit.MINUTES.toNanos(nextMinute)) {
                double elapsed = (now - lastNanos) / 1e9;
                StringBuilder nodes = new StringBuilder();
                long serverSum = 0;
                for (int n = 0; n < pids.length; n++) {
                    long ticks = Proc.cpuTicks(pids[n]);
                    serverSum += ticks - lastServer[n];
                    if (pids[n] != 0) {
                        nodes.append(nodes.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
                                "pid %d: RSS %,d MiB, %d threads, CPU %.0f%%", pids[n], Proc.rssKib(pids[n]) / 1024,
                                Proc.threads(pids[n]), 100 * (ticks - lastServer[n]) / Proc.TICKS_PER_SECOND
                                        / elapsed));
                    }
                    lastServer[n] = ticks;
                }
                long self = Proc.selfCpuTicks();
                long busy = Proc.machineBusyTicks();
                double selfPct = 100 * (self - lastSelf) / Proc.TICKS_PER_SECOND / elapsed;
                double otherPct = 100 * Math.max(0, (busy - lastBusy) - serverSum - (self - lastSelf))
                        / Proc.TICKS_PER_SECOND / elapsed;
                Broadcast last = lastSettled();
                Sample s = new Sample(nextMinute, countOpen(), serverLine(), serverClosed.get(),
                        new TreeMap<>(closeCodes).toString(), nodes.length() == 0 ? "(no pid)" : nodes.toString(),
                        selfPct, otherPct, last == null ? "none yet" : last.shortLine());
                samples.add(s);
                System.out.printf("%s minute %d: %,d open, server %s, closed by the server %d %s, %s, load "
                                + "generator CPU %.0f%%, others %.0f%%, last broadcast %s%n", now(), s.minute,
                        s.open, s.server, s.closedByServer, s.closeCodes, s.nodes, s.selfCpuPct, s.otherCpuPct,
                        s.lastBroadcast);
                lastNanos = now;
                lastSelf = self;
                lastBusy = busy;
                nextMinute++;
                continue;
            }
            if (now >= end && nextMinute > minutes && (!post || nextBroadcast > broadcastsPlanned)) {
                break;
            }
            Thread.sleep(100);
        }
        double holdCpuPct = 100 * (cpuTicks() - holdCpu0) / Proc.TICKS_PER_SECOND / ((System.nanoTime() - t0) / 1e9);
        // the last broadcast: wait until it settled (all delivered, or the grace passed)
        long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds + 2);
        while (!settle(false) && System.nanoTime() < settleDeadline) {
            Thread.sleep(100);
        }
        settle(true);
        int openAtEnd = countOpen();
        int closedByServerTotal = serverClosed.get();
        double[] gaugeAtEnd = serverConnections();
        String serverAtEnd = serverLine();
        double slow = slowConsumers();
        long[] rssEnd = new long[pids.length];
        int[] threadsEnd = new int[pids.length];
        for (int n = 0; n < pids.length; n++) {
            rssEnd[n] = Proc.rssKib(pids[n]) / 1024;
            threadsEnd[n] = Proc.threads(pids[n]);
        }
        long[] heapEnd = new long[pids.length];
        for (int n = 0; n < pids.length; n++) {
            heapEnd[n] = pids[n] == 0 ? -1 : liveHeap(pids[n]);
            if (heapEnd[n] >= 0) {
                System.out.printf("%s pid %d: live heap after full GC with %,d connections open: %.1f MiB (%.1f MiB "
                                + "before connecting)%n", now(), pids[n], openAtEnd, heapEnd[n] / 1048576.0,
                        heapStart[n] / 1048576.0);
            }
        }

        // close everything; how long until the server counts 0
        System.out.printf("%s closing %,d connections%n", now(), openAtEnd);
        closing = true;
        long closeStart = System.nanoTime();
        WsClient.closeAll(Arrays.asList(conns), 30);
        double clientsClosedAfter = (System.nanoTime() - closeStart) / 1e9;
        int zeroWait = o.getInt("--zero-wait", 60);
        double[] gauge = serverConnections();
        while (!(sum(gauge) == 0) && System.nanoTime() - closeStart < TimeUnit.SECONDS.toNanos(zeroWait)) {
            Thread.sleep(100);
            gauge = serverConnections();
        }
        double zeroAfter = (System.nanoTime() - closeStart) / 1e9;
        boolean zero = sum(gauge) == 0;
        System.out.printf("%s every client closed after %.1f s; wshub_connections_current %s %.1f s after the close "
                + "began%n", now(), clientsClosedAfter, zero ? "0" : "still " + Arrays.toString(gauge)
                + "", zeroAfter);
        client.close();

        List<String> severe = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        if (log != null) {
            logLines(log, logStart, severe, warning);
        }

        // report
        int planned = post ? broadcastsPlanned : maxSeq.get() + 1;
        List<Broadcast> all = new ArrayList<>(new TreeMap<>(broadcasts).values());
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Capacity run %s%n%n", date));
        md.append(String.format(Locale.ROOT, "- Commit: %s; node(s) %s%s; %d cores; Java %s%n", commit,
                Arrays.toString(urls), node == null ? " (given, pid " + Arrays.toString(pids) + ")"
                        : String.format(Locale.ROOT, " (started by the run: Payara Micro %s, -Xmx%s%s, --nocluster, "
                        + "memory bus, pid %d)", PAYARA_VERSION, o.get("--xmx", "2g"),
                        o.get("--jvm", "").isBlank() ? "" : " " + o.get("--jvm", ""), pids[0]),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        md.append("- Command: `").append(command).append("`\n");
        md.append(String.format(Locale.ROOT, "- Load: %,d connections (%d handshakes in flight), each joined to one "
                        + "of %d rooms, held %d minutes with the server's pings; %s; run directory %s%n%n", clients,
                inFlight, rooms, minutes, post ? String.format(Locale.ROOT, "an admin broadcast every %d s (%d)", every,
                        broadcastsPlanned) : "receiving the broadcasts of another process", runDir));

        boolean okConnected = connected == clients && joined.get() == clients;
        boolean okClosed = closedByServerTotal == 0;
        long lostSum = 0;
        long dupSum = 0;
        long orderSum = 0;
        long deliveredSum = 0;
        long expectedSum = 0;
        boolean okDelivered = planned > 0 && all.size() >= planned;
        boolean okP99 = okDelivered;
        Broadcast worst = null;
        for (Broadcast b : all) {
            Settled f = b.fin;
            lostSum += f.lost;
            dupSum += f.dup;
            orderSum += f.order;
            deliveredSum += f.delivered;
            expectedSum += f.expected;
            if (!(b.http == -1 && !post || b.http / 100 == 2) || f.expected == 0 || f.delivered != f.expected
                    || f.lost != 0 || f.dup != 0 || f.order != 0) {
                okDelivered = false;
            }
            if (!(f.p99 < 1e9)) {
                okP99 = false;
            }
            if (worst == null || !(f.p99 <= worst.fin.p99)) {
                worst = b;
            }
        }
        md.append("| measure | value | verdict |\n|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| connected and joined | %,d of %,d connected in %.1f s (%.0f conn/s, "
                        + "handshake p50 %.0f ms, p99 %.0f ms%s); %,d joined, %,d refused | %s |%n", connected, clients,
                (c1 - c0) / 1e9, connected / ((c1 - c0) / 1e9), Scenarios.pct(handshakes, 0.5) / 1e6,
                Scenarios.pct(handshakes, 0.99) / 1e6, failures, joined.get(), refused.get(),
                verdict(okConnected, "all connected and joined")));
        md.append(String.format(Locale.ROOT, "| closed by the server (before the clients closed) | %,d (%d while "
                        + "connecting); close codes %s | %s |%n", closedByServerTotal, closedDuringConnect,
                new TreeMap<>(closeCodes), verdict(okClosed, "none")));
        md.append(String.format(Locale.ROOT, "| broadcasts: delivered / expected, lost, duplicated, out of order "
                        + "(all broadcasts) | %d of %d %s; %,d / %,d, lost %,d, duplicated %,d, out of order %,d | %s |%n",
                all.size(), planned, post ? "posted" : "seen", deliveredSum, expectedSum, lostSum, dupSum, orderSum,
                verdict(okDelivered, "every broadcast to all, none lost, duplicated or out of order")));
        md.append(String.format(Locale.ROOT, "| broadcast latency, post to receipt: worst p99 / max of all | %s | %s "
                        + "|%n", worst == null ? "n/a" : String.format(Locale.ROOT, "%.0f ms (#%d) / %.0f ms",
                        worst.fin.p99 / 1e6, worst.seq, all.stream().mapToDouble(b -> b.fin.max).max().orElse(0) / 1e6),
                verdict(okP99, "p99 < 1 s for each")));
        md.append(String.format(Locale.ROOT, "| connections at the end of the hold: client side / server | %,d / %s "
                + "| |%n", openAtEnd, serverAtEnd));
        for (int n = 0; n < pids.length; n++) {
            if (pids[n] == 0) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| pid %d: RSS / threads, before connecting -> end of the hold | "
                            + "%,d -> %,d MiB / %d -> %d | |%n", pids[n], rssStart[n], rssEnd[n], threadsStart[n],
                    threadsEnd[n]));
            if (heapEnd[n] >= 0) {
                md.append(String.format(Locale.ROOT, "| pid %d: live heap after full GC, %,d connections open | "
                                + "%.1f MiB (%.1f MiB before connecting: %,.0f bytes per connection of the %,.0f it "
                                + "held) | |%n", pids[n], openAtEnd, heapEnd[n] / 1048576.0, heapStart[n] / 1048576.0,
                        (heapEnd[n] - heapStart[n]) / gaugeAtEnd[n], gaugeAtEnd[n]));
            }
        }
        md.append(String.format(Locale.ROOT, "| server CPU (all nodes), connect+join / hold | %.0f%% / %.0f%% of a "
                + "core | |%n", connectCpuPct, holdCpuPct));
        md.append(String.format(Locale.ROOT, "| slow-consumer disconnects (wshub_slow_consumer_disconnects_total) | "
                + "%s | |%n", Double.isNaN(slow) ? "n/a" : String.format(Locale.ROOT, "%.0f", slow)));
        md.append(String.format(Locale.ROOT, "| wshub_connections_current after every client closed | %s | %s |%n",
                zero ? String.format(Locale.ROOT, "0 after %.1f s (clients closed in %.1f s)", zeroAfter,
                        clientsClosedAfter) : String.format(Locale.ROOT, "still %s after %.0f s",
                        Arrays.toString(gauge), zeroAfter), zero ? "ok" : "**not 0**"));
        if (log != null) {
            md.append(String.format(Locale.ROOT, "| node log during the run: SEVERE / WARNING | %d / %d | %s |%n",
                    severe.size(), warning.size(), severe.isEmpty() && warning.isEmpty() ? "ok" : "**see below**"));
        }
        if (errors.sum() > 0) {
            md.append(String.format(Locale.ROOT, "| error frames received | %,d (first: `%s`) | |%n", errors.sum(),
                    String.valueOf(firstError).replace('`', '\'').replace('|', '/')));
        }
        boolean pass = okConnected && okClosed && okDelivered && okP99;
        md.append(String.format(Locale.ROOT, "%n**Verdict: %s**%n", pass ? "PASS" : "FAIL"));

        md.append("\nEach broadcast (latency: from just before the POST to the receipt):\n\n| # | at (s into the "
                + "hold) | HTTP (server's delivered, POST time) | delivered / expected | lost (of them closed) | "
                + "duplicated | out of order | p50 / p99 / max ms |\n|---|---|---|---|---|---|---|---|\n");
        for (Broadcast b : all) {
            Settled f = b.fin;
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %,d / %,d%s | %,d (%,d) | %,d | %,d | %.0f / %.0f "
                            + "/ %.0f |%n", b.seq, b.atHold(t0), b.http < 0 ? "-" : b.http + " (" + b.serverDelivered
                            + ", " + b.postMillis + " ms)", f.delivered, f.expected, f.extra > 0 ? " (+" + f.extra
                            + " not expected)" : "", f.lost, f.lostClosed, f.dup, f.order, f.p50 / 1e6, f.p99 / 1e6,
                    f.max / 1e6));
        }
        md.append("\nEvery minute:\n\n| minute | open (client) | server connections | closed by the server "
                + "(cumulative), codes | node(s): RSS, threads, CPU | load generator CPU | other CPU | last settled "
                + "broadcast |\n|---|---|---|---|---|---|---|---|\n");
        for (Sample s : samples) {
            md.append(String.format(Locale.ROOT, "| %d | %,d | %s | %,d %s | %s | %.0f%% | %.0f%% | %s |%n", s.minute,
                    s.open, s.server, s.closedByServer, s.closeCodes, s.nodes, s.selfCpuPct, s.otherCpuPct,
                    s.lastBroadcast));
        }
        md.append(String.format(Locale.ROOT, "%nConnect: %s.%n", connectLine));
        md.append(String.format(Locale.ROOT, "%nServer connections before the run: %s.%n",
                Arrays.toString(serverAtStart)));
        synchronized (closeExamples) {
            if (!closeExamples.isEmpty()) {
                md.append("\nCloses by the server (first 10):\n\n");
                closeExamples.forEach(e -> md.append("- ").append(e).append('\n'));
            }
        }
        if (!otherTypes.isEmpty()) {
            md.append("\nOther frames received: ");
            new TreeMap<>(otherTypes).forEach((k, v) -> md.append(k).append(' ').append(v.sum()).append("; "));
            md.append('\n');
        }
        if (!severe.isEmpty() || !warning.isEmpty()) {
            md.append("\nNode log during the run (distinct, first 10 of each):\n\n");
            appendLogLines(md, "SEVERE", severe);
            appendLogLines(md, "WARNING", warning);
        }
        System.out.println();
        System.out.println(md);
        Path out = runDir.resolve("capacity.md");
        Files.writeString(out, md.toString());
        System.out.println("written to " + out);
        return pass ? 0 : 1;
    }

    private static String verdict(boolean ok, String what) {
        return ok ? "ok (" + what + ")" : "**FAIL** (" + what + ")";
    }

    // ---------------------------------------------------------------------------------------------------- clients

    /** The time of day, HH:mm:ss (always with the seconds). */
    static String now() {
        return java.time.LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
    }

    /** Wall-clock time in epoch nanoseconds (comparable between processes on one machine). */
    static long wallNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** One connection: joins its room, then counts each numbered broadcast once, in order. */
    final class Client implements WsClient.Handler {
        private final byte[] join;
        /** When its {@code connected} frame came: the server had registered it (0: not yet). */
        volatile long registeredWall;
        volatile boolean joinedRoom;
        volatile boolean refusedJoin;
        volatile long closedWall;
        private final BitSet seen = new BitSet();
        private int last = -1;

        Client(byte[] join) {
            this.join = join;
        }

        @Override
        public void onOpen(WsClient.Conn conn) {
            conn.sendText(join);
        }

        @Override
        public void onText(WsClient.Conn conn, byte[] a, int off, int len) {
            int end = off + len;
            int at = Scenarios.typeAt(a, off, len);
            if (Scenarios.matches(a, at, end, BROADCAST)) {
                long now = wallNanos();
                int p = WsClient.indexOf(a, at, end, P_KEY);
                if (p < 0) {
                    return;
                }
                p += P_KEY.length;
                int seq = (int) Scenarios.number(a, p, end);
                long sentAt = Scenarios.number(a, Scenarios.skipNumber(a, p, end), end);
                received(seq, sentAt, now);
            } else if (Scenarios.matches(a, at, end, CONNECTED)) {
                if (registeredWall == 0) {
                    registeredWall = wallNanos();
                }
            } else if (Scenarios.matches(a, at, end, ROOM_JOINED)) {
                if (!joinedRoom) {
                    joinedRoom = true;
                    joined.incrementAndGet();
                }
            } else if (Scenarios.matches(a, at, end, ERROR)) {
                if (!joinedRoom && !refusedJoin) {
                    refusedJoin = true;
                    refused.incrementAndGet();
                }
                errors.increment();
                if (firstError == null) {
                    firstError = new String(a, off, Math.min(len, 300), StandardCharsets.UTF_8);
                }
            } else if (at >= 0) {
                int q = at;
                while (q < end && a[q] != '"') {
                    q++;
                }
                otherTypes.computeIfAbsent(new String(a, at, q - at, StandardCharsets.UTF_8), k -> new LongAdder())
                        .increment();
            }
        }

        private void received(int seq, long sentAt, long now) {
            if (seq < 0 || seq > 1_000_000) {
                return;
            }
            Broadcast b = broadcasts.get(seq);
            if (b == null || b.sentWall == 0) {
                // the first receipt (receiving only), or the first of a number that was a gap so far
                b = broadcasts.compute(seq, (s, had) -> had == null || had.sentWall == 0
                        ? new Broadcast(s, sentAt, clients) : had);
            }
            maxSeq.accumulateAndGet(seq, Math::max);
            boolean dup;
            boolean order = false;
            synchronized (this) {
                dup = seen.get(seq);
                if (!dup) {
                    seen.set(seq);
                    order = seq < last;
                    last = Math.max(last, seq);
                }
            }
            if (dup) {
                b.dup.increment();
            } else {
                b.record(now - sentAt, now);
                if (order) {
                    b.order.increment();
                }
            }
        }

        synchronized boolean has(int seq) {
            return seen.get(seq);
        }

        @Override
        public void onClose(WsClient.Conn conn, int code, boolean byServer) {
            closedWall = wallNanos();
            if (closing || conn.openedNanos == 0 || !byServer) {
                return;
            }
            serverClosed.incrementAndGet();
            closeCodes.merge(code, 1, Integer::sum);
            synchronized (closeExamples) {
                if (closeExamples.size() < 10) {
                    closeExamples.add(String.format(Locale.ROOT, "%s: code %d%s, %.0f s after its handshake",
                            now(), code, conn.failure() == null ? "" : " (" + conn.failure() + ")",
                            (System.nanoTime() - conn.openedNanos) / 1e9));
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- broadcasts

    /** Figures of one broadcast over this process's clients. */
    private record Settled(int expected, int delivered, int extra, int lost, int lostClosed, long dup, long order,
                           double p50, double p99, double max) {
    }

    /** One broadcast: its receipts, and once settled, its figures. */
    final class Broadcast {
        final int seq;
        /** Wall-clock nanoseconds of the post (from the payload); 0 when no client got it (a gap, receiving only). */
        final long sentWall;
        final long createdNanos = System.nanoTime();
        volatile int http = -1;
        volatile int serverDelivered = -1;
        volatile long postMillis;
        final AtomicInteger received = new AtomicInteger();
        final AtomicLongArray latencies;
        final LongAdder dup = new LongAdder();
        final LongAdder order = new LongAdder();
        volatile long lastReceiptWall;
        private int expectedCount = -1;
        volatile Settled early;
        volatile Settled fin;

        Broadcast(int seq, long sentWall, int capacity) {
            this.seq = seq;
            this.sentWall = sentWall;
            latencies = new AtomicLongArray(Math.max(capacity, 1));
        }

        void record(long nanos, long now) {
            int i = received.getAndIncrement();
            if (i < latencies.length()) {
                latencies.set(i, nanos);
            }
            lastReceiptWall = now;
        }

        /** When it was sent, or for a gap the send time of the nearest earlier broadcast seen (a lower bound). */
        long cutoff() {
            if (sentWall > 0) {
                return sentWall;
            }
            for (int s = seq - 1; s >= 0; s--) {
                Broadcast b = broadcasts.get(s);
                if (b != null && b.sentWall > 0) {
                    return b.sentWall;
                }
            }
            return 0;
        }

        int expectedCount() {
            if (expectedCount < 0) {
                long cut = cutoff();
                int n = 0;
                for (Client c : cs) {
                    if (c != null && c.registeredWall != 0 && c.registeredWall <= cut) {
                        n++;
                    }
                }
                expectedCount = n;
            }
            return expectedCount;
        }

        Settled figures() {
            long cut = cutoff();
            int expected = 0;
            int delivered = 0;
            int lost = 0;
            int lostClosed = 0;
            for (Client c : cs) {
                if (c == null || c.registeredWall == 0 || c.registeredWall > cut) {
                    continue;
                }
                expected++;
                if (c.has(seq)) {
                    delivered++;
                } else {
                    lost++;
                    if (c.closedWall != 0) {
                        lostClosed++;
                    }
                }
            }
            int n = Math.min(received.get(), latencies.length());
            long[] lat = new long[n];
            for (int i = 0; i < n; i++) {
                lat[i] = latencies.get(i);
            }
            Arrays.sort(lat);
            return new Settled(expected, delivered, received.get() - delivered, lost, lostClosed, dup.sum(),
                    order.sum(), Scenarios.pct(lat, 0.5), Scenarios.pct(lat, 0.99),
                    n == 0 ? Double.NaN : lat[n - 1]);
        }

        String shortLine() {
            Settled s = early;
            return String.format(Locale.ROOT, "#%d %,d/%,d, lost %d, dup %d, order %d, p99 %.0f ms, max %.0f ms", seq,
                    s.delivered, s.expected, s.lost, s.dup, s.order, s.p99 / 1e6, s.max / 1e6);
        }

        String atHold(long t0) {
            return String.format(Locale.ROOT, "%.0f", (createdNanos - t0) / 1e9);
        }
    }

    /** POST /api/broadcast to the first node with broadcast number {@code seq}. */
    private void postBroadcast(int seq) {
        long sent = wallNanos();
        Broadcast b = new Broadcast(seq, sent, clients);
        broadcasts.put(seq, b);
        maxSeq.accumulateAndGet(seq, Math::max);
        String body = "{\"message_type\":\"bench_broadcast\",\"data\":{\"p\":\"" + Scenarios.payload(seq, sent, 64)
                + "\"}}";
        long t = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(bases[0].resolve("/api/broadcast"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + adminToken)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            b.http = r.statusCode();
            Matcher m = DELIVERED.matcher(r.body());
            b.serverDelivered = m.find() ? Integer.parseInt(m.group(1)) : -1;
            if (r.statusCode() / 100 != 2) {
                System.out.printf("%s broadcast #%d: HTTP %d %s%n", now(), seq, r.statusCode(),
                        r.body().length() > 300 ? r.body().substring(0, 300) : r.body());
            }
        } catch (Exception e) {
            b.http = 0;
            System.out.printf("%s broadcast #%d failed: %s%n", now(), seq, e);
        }
        b.postMillis = (System.nanoTime() - t) / 1_000_000;
    }

    /**
     * Settles each broadcast whose expected clients all have it or whose grace passed ({@code all}: every one, again,
     * for the final figures); true when none is left unsettled.
     */
    private boolean settle(boolean all) {
        int top = maxSeq.get();
        for (int s = 0; s <= top; s++) {
            if (!broadcasts.containsKey(s)) {
                // receiving only: a number none of our clients got (yet)
                broadcasts.putIfAbsent(s, new Broadcast(s, 0, 1));
            }
        }
        boolean done = true;
        long now = wallNanos();
        for (Broadcast b : broadcasts.values()) {
            if (all) {
                b.fin = b.figures();
                if (b.early == null) {
                    b.early = b.fin;
                }
                continue;
            }
            if (b.early != null) {
                continue;
            }
            long since = b.sentWall > 0 ? now - b.sentWall : (System.nanoTime() - b.createdNanos);
            if (since > TimeUnit.SECONDS.toNanos(graceSeconds) || b.received.get() >= b.expectedCount()
                    && b.expectedCount() > 0 && b.http != 0) {
                b.early = b.figures();
                if (b.early.lost > 0 || b.early.dup > 0 || b.early.order > 0) {
                    System.out.printf("%s broadcast %s%n", now(), b.shortLine());
                }
            } else {
                done = false;
            }
        }
        return done;
    }

    private Broadcast lastSettled() {
        Broadcast last = null;
        for (Broadcast b : broadcasts.values()) {
            if (b.early != null && (last == null || b.seq > last.seq)) {
                last = b;
            }
        }
        return last;
    }

    /** Waits until every open client joined or was refused, or {@code seconds} passed; true if all joined. */
    private boolean awaitJoins(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            int pending = 0;
            for (int i = 0; i < clients; i++) {
                if (conns[i] != null && cs[i] != null && conns[i].isOpen() && !cs[i].joinedRoom
                        && !cs[i].refusedJoin) {
                    pending++;
                }
            }
            if (pending == 0) {
                return joined.get() == clients;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    private int countOpen() {
        int n = 0;
        for (WsClient.Conn c : conns) {
            n += c != null && c.isOpen() ? 1 : 0;
        }
        return n;
    }

    private long[] handshakeNanos() {
        long[] t = new long[conns.length];
        int n = 0;
        for (WsClient.Conn c : conns) {
            if (c != null && c.openedNanos != 0) {
                t[n++] = c.openedNanos - c.startedNanos;
            }
        }
        t = Arrays.copyOf(t, n);
        Arrays.sort(t);
        return t;
    }

    /** ", N failed: reason (count), ..." or "". */
    private String failures() {
        Map<String, Integer> why = new TreeMap<>();
        int failed = 0;
        for (WsClient.Conn c : conns) {
            if (c == null) {
                why.merge("not attempted (timeout)", 1, Integer::sum);
                failed++;
            } else if (c.openedNanos == 0) {
                why.merge(String.valueOf(c.failure()), 1, Integer::sum);
                failed++;
            }
        }
        return failed == 0 ? "" : ", " + failed + " failed: " + why;
    }

    // ---------------------------------------------------------------------------------------------------- the server

    private long cpuTicks() {
        return Proc.cpuTicks(pids);
    }

    /** {@code wshub_connections_current} of each node (NaN where /metrics does not answer). */
    private double[] serverConnections() {
        double[] v = new double[bases.length];
        for (int n = 0; n < bases.length; n++) {
            v[n] = metric(bases[n], CONNECTIONS_CURRENT);
        }
        return v;
    }

    private double slowConsumers() {
        double sum = 0;
        for (URI base : bases) {
            sum += metric(base, SLOW_CONSUMERS);
        }
        return sum;
    }

    private double metric(URI base, Pattern pattern) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = pattern.matcher(r.body());
            double sum = Double.NaN;
            while (m.find()) {
                sum = (Double.isNaN(sum) ? 0 : sum) + Double.parseDouble(m.group(1));
            }
            return sum;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    /** "metric 19,000 (cluster 19,000)" for one node, "metric [a, b] (cluster n)" for several. */
    private String serverLine() {
        double[] v = serverConnections();
        StringBuilder s = new StringBuilder("metric ");
        for (int n = 0; n < v.length; n++) {
            s.append(n == 0 ? "" : " + ").append(Double.isNaN(v[n]) ? "?" : String.format(Locale.ROOT, "%,.0f", v[n]));
        }
        if (adminToken != null) {
            int cluster = first.connectedClients();
            s.append(", api/stats ").append(cluster < 0 ? "?" : String.format(Locale.ROOT, "%,d", cluster));
        }
        return s.toString();
    }

    /** Live bytes after a full GC ({@code jcmd GC.class_histogram}); -1 if it cannot tell. */
    private static long liveHeap(long pid) {
        try {
            return Proc.liveHistogram(pid).getOrDefault("*total*", -1L);
        } catch (Exception e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process startWshub(Tokens tokens, int port) throws Exception {
        Path war = Path.of(o.get("--wshub-war", "target/wshub.war")).toAbsolutePath();
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: mvn -q package -DskipTests");
        }
        Path jar = payaraJar();
        Path preboot = Path.of(o.get("--preboot", "payara-config/pre-boot-commands.asadmin")).toAbsolutePath();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + o.get("--xmx", "2g"));
        command.addAll(o.words("--jvm"));
        command.addAll(List.of("-jar", jar.toString(), "--nocluster", "--contextroot", "/", "--port",
                Integer.toString(port), "--rootdir", runDir.resolve("payara-root").toString()));
        if (Files.isRegularFile(preboot)) {
            command.addAll(List.of("--prebootcommandfile", preboot.toString()));
        }
        command.addAll(List.of("--deploy", war.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", tokens.publicKeyFile().toUri().toString());
        pb.environment().put("MP_JWT_VERIFY_ISSUER", Tokens.WSHUB_ISSUER);
        pb.environment().put("WSHUB_BUS", "memory");
        log = runDir.resolve("wshub.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        node = p;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.getInt("--start-timeout", 300));
        while (!Files.readString(log).contains("ready in")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("wshub did not start; see " + log);
            }
            Thread.sleep(500);
        }
        logStart = Files.size(log);
        Target probe = new Target("wshub", Target.Flavor.WSHUB, URI.create("ws://127.0.0.1:" + port + "/ws"),
                new long[]{p.pid()}, null, null, null);
        int ready = probe.status("/health/ready");
        System.out.printf("%s wshub %s started on Payara Micro %s, port %d (pid %d), -Xmx%s%s, /health/ready %d; "
                        + "log %s%n", now(), war, jar.getFileName(), port, p.pid(), o.get("--xmx", "2g"),
                o.get("--jvm", "").isBlank() ? "" : " " + o.get("--jvm", ""), ready, log);
        List<String> severe = new ArrayList<>();
        logLines(log, 0, severe, new ArrayList<>());
        if (!severe.isEmpty()) {
            System.out.printf("    the node logged %d SEVERE line(s) at startup, e.g. %s%n", severe.size(),
                    severe.get(0).length() > 400 ? severe.get(0).substring(0, 400) : severe.get(0));
        }
        if (ready != 200) {
            throw new IllegalStateException("wshub is not ready (HTTP " + ready + "); see " + log);
        }
        return p;
    }

    private Path payaraJar() throws Exception {
        String given = o.get("--payara-jar", null);
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        String name = "payara-micro-" + PAYARA_VERSION + ".jar";
        for (Path candidate : List.of(Path.of("target", name), Path.of("target", "payara-micro.jar"),
                Path.of(System.getProperty("user.home"), ".m2", "repository", "fish", "payara", "extras",
                        "payara-micro", PAYARA_VERSION, name))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        System.out.println("fetching Payara Micro " + PAYARA_VERSION + " with mvn dependency:copy");
        Process mvn = new ProcessBuilder("mvn", "-q", "dependency:copy",
                "-Dartifact=fish.payara.extras:payara-micro:" + PAYARA_VERSION, "-DoutputDirectory=" + runDir)
                .inheritIO().start();
        if (mvn.waitFor() != 0 || !Files.isRegularFile(runDir.resolve(name))) {
            throw new IllegalStateException("no Payara Micro jar; give --payara-jar");
        }
        return runDir.resolve(name);
    }

    private void stopNode() {
        Process p = node;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        System.out.printf("%s stopped the node (pid %d)%n", now(), p.pid());
    }

    /** SEVERE and WARNING lines (with the line after) of the log from byte {@code from} on. */
    private static void logLines(Path log, long from, List<String> severe, List<String> warning) throws IOException {
        byte[] all = Files.readAllBytes(log);
        String text = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                StandardCharsets.UTF_8).replaceAll("\u001B\\[[0-9;]*m", "");
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String entry = line + (i + 1 < lines.length ? " | " + lines[i + 1].trim() : "");
            if (line.contains("SEVERE")) {
                severe.add(entry);
            } else if (line.contains("WARNING")) {
                warning.add(entry);
            }
        }
    }

    private static void appendLogLines(StringBuilder md, String level, List<String> lines) {
        Map<String, Integer> distinct = new LinkedHashMap<>();
        for (String line : lines) {
            String key = line.replaceAll("^\\[[^]]*\\]", "").replaceAll("_ThreadID=\\d+", "")
                    .replaceAll("timeMillis: \\d+", "").replaceAll("_ThreadName=[^]]*", "");
            distinct.merge(key.length() > 400 ? key.substring(0, 400) : key, 1, Integer::sum);
        }
        distinct.entrySet().stream().limit(10).forEach(e -> md.append("- ").append(level).append(" x")
                .append(e.getValue()).append(": `").append(e.getKey().replace('`', '\'')).append("`\n"));
    }

    private static long openFiles() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static long fileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            // unknown
        }
        return -1;
    }

    private static String commit() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String sha = new String(git.getInputStream().readAllBytes()).trim();
            if (git.waitFor() != 0) {
                return "(commit unknown)";
            }
            Process status = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            boolean dirty = !new String(status.getInputStream().readAllBytes()).isBlank();
            status.waitFor();
            return sha + (dirty ? " + uncommitted changes" : "");
        } catch (Exception e) {
            return "(commit unknown)";
        }
    }
}
