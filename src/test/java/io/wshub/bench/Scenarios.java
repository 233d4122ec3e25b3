package io.wshub.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The scenarios of shared/peer-figures.md, each against one {@link Target}, with the server's CPU read from /proc
 * around the measured window and every message checked (lost, duplicated, out of order per connection).
 * <ul>
 * <li>{@link #burst}: 10,000 members + 1 sender connect, all 10,001 {@code join_room} frames go out at once (500 per
 * turn); time until all joined and connections the server closed; then 50 room messages at 10/s.</li>
 * <li>{@link #fanoutMax}: 1,000 members + 1 sender; 1,000 room messages (64-byte payload) as fast as the socket takes
 * them.</li>
 * <li>{@link #broadcast}: 1,000 clients; 200 {@code POST /api/broadcast} (64-byte payload), one after the other.</li>
 * <li>{@link #echo}: K clients, one {@code echo} (32-byte payload) in flight each; {@link #ping}: one client,
 * {@code ping} frames.</li>
 * <li>{@link #connect}: 10,000 connections, 200 handshakes in flight, hold 3 s; then on to 19,000 idle connections for
 * RSS per connection (and, for a JVM, live heap per connection after a full GC).</li>
 * </ul>
 */
final class Scenarios {

    static final String ROOM = "bench";
    static final List<String> ALL = List.of("connect", "burst", "fanout-max", "broadcast", "echo-loop", "ping");

    private static final byte[] TYPE_KEY = bytes("\"message_type\":\"");
    private static final byte[] P_KEY = bytes("\"p\":\"");
    private static final byte[] ROOM_MESSAGE = bytes("room_message\"");
    private static final byte[] ROOM_JOINED = bytes("room_joined\"");
    private static final byte[] ERROR = bytes("error\"");
    private static final byte[] PONG = bytes("pong\"");
    private static final byte[] BROADCAST = bytes("bench_broadcast\"");
    private static final String JOIN = "{\"message_id\":1,\"message_type\":\"join_room\",\"data\":{\"room_id\":\""
            + ROOM + "\"}}";

    final WsClient client;
    final Target target;
    final int inFlight;
    final int joinBatch;
    final int burstClients;
    final int burstMessages;
    final int burstRate;
    final int fanoutClients;
    final int fanoutMessages;
    final int broadcastClients;
    final int broadcasts;
    final int echoClients;
    final int seconds;
    final int connectClients;
    final int idleClients;
    final int holdSeconds;
    /** The format the fan-out's room members speak ({@code --member-protocol}); the sender is always GoHub. */
    final MemberFormat memberFormat;
    /** The fan-out runs as a warm-up round: its notes are kept, not printed. */
    private boolean quietFanout;
    private long windowNanos;
    private long windowServer;
    private long windowSelf;
    private long windowBusy;

    Scenarios(WsClient client, Target target, Options o) {
        this.client = client;
        this.target = target;
        inFlight = o.getInt("--in-flight", 200);
        joinBatch = o.getInt("--join-batch", 500);
        burstClients = o.getInt("--burst-clients", 10_000);
        burstMessages = o.getInt("--burst-messages", 50);
        burstRate = o.getInt("--burst-rate", 10);
        fanoutClients = o.getInt("--fanout-clients", 1000);
        fanoutMessages = o.getInt("--fanout-messages", 1000);
        broadcastClients = o.getInt("--broadcast-clients", 1000);
        broadcasts = o.getInt("--broadcasts", 200);
        echoClients = o.getInt("--echo-clients", 100);
        seconds = o.getInt("--seconds", 10);
        connectClients = o.getInt("--connect-clients", 10_000);
        idleClients = Math.max(connectClients, o.getInt("--idle-clients", 19_000));
        holdSeconds = o.getInt("--hold", 3);
        memberFormat = MemberFormat.of(o.get("--member-protocol", "gohub"));
    }

    Result run(String scenario) throws Exception {
        System.out.printf("%s %s: %s%n", now(), target.label, scenario);
        Result r = switch (scenario) {
            case "burst" -> burst();
            case "fanout-max" -> fanoutMax();
            case "fanout-max:gohub", "fanout-max:jsonrpc", "fanout-max:gows", "fanout-max:sse" ->
                    fanoutMax(MemberFormat.of(scenario.substring(scenario.indexOf(':') + 1)));
            case "broadcast" -> broadcast();
            case "echo-loop" -> echo(echoClients);
            case "ping" -> ping();
            case "connect" -> connect();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario + "; known: " + ALL);
        };
        if (!target.awaitNoClients(60)) {
            r.note("the server still reported %d connections 60 s after the clients closed",
                    target.connectedClients());
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------------- scenarios

    /** Scenario 1: burst join of 10,000 members + 1 sender, then 50 room messages at 10/s to them. */
    Result burst() throws Exception {
        Result r = new Result("burst");
        int n = burstClients;
        Counters c = new Counters(n * (long) burstMessages);
        Member[] members = new Member[n + 1];
        WsClient.Conn[] conns = openAll(r, n + 1, target::memberUri, i -> members[i] = new Member(c, burstMessages,
                ROOM_MESSAGE));
        int open = countOpen(conns);

        long cpu0 = target.cpuTicks();
        long t0 = System.nanoTime();
        sendJoins(conns);
        boolean allJoined = awaitJoins(members, conns, 60);
        long t1 = System.nanoTime();
        long cpu1 = target.cpuTicks();
        int joined = c.joined.get();
        int closedDuringJoin = c.serverClosed.get();
        double joinSeconds = allJoined ? (c.lastJoinNanos - t0) / 1e9 : (t1 - t0) / 1e9;
        r.put("joinSeconds", joinSeconds).put("joined", joined).put("joinTarget", open)
                .put("closedByServer", closedDuringJoin).put("allJoined", allJoined ? 1 : 0);
        r.note("join: %d of %d joined %s %.2f s; %d connections closed by the server (close codes %s); "
                        + "%d error frames%s; server CPU %.1f us per join",
                joined, open, allJoined ? "in" : "when the wait ended after", joinSeconds, closedDuringJoin,
                c.closeCodes, c.errors.get(), c.firstError == null ? "" : " (first: " + c.firstError + ")",
                joined == 0 ? Double.NaN : (cpu1 - cpu0) / Proc.TICKS_PER_SECOND * 1e6 / joined);

        Member sender = members[n];
        if (!sender.joined || !conns[n].isOpen()) {
            r.note("the sender did not join: no fan-out");
            closeAll(conns);
            return r;
        }
        int receivers = 0;
        for (int i = 0; i < n; i++) {
            if (members[i].joined && conns[i].isOpen()) {
                receivers++;
            }
        }
        long expected = (long) receivers * burstMessages;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger sent = new AtomicInteger();
        windowStart();
        long fanCpu0 = windowServer;
        long fan0 = windowNanos;
        c.measuring = true;
        long period = 1_000_000_000L / burstRate;
        for (int s = 0; s < burstMessages; s++) {
            int seq = s;
            timer.schedule(() -> {
                conns[n].sendText(roomMessage(seq, System.nanoTime(), 64));
                sent.incrementAndGet();
            }, s * period, TimeUnit.NANOSECONDS);
        }
        Mark end = awaitCount(c.delivered::sum, expected, () -> sent.get() == burstMessages, 10,
                burstMessages / burstRate + 180);
        timer.shutdownNow();
        c.measuring = false;
        Check check = check(members, 0, n, burstMessages);
        long delivered = c.delivered.sum();
        double cpuSeconds = (end.cpu - fanCpu0) / Proc.TICKS_PER_SECOND;
        double elapsed = (end.nanos - fan0) / 1e9;
        long[] lat = c.latencies.sorted();
        r.put("fanUsPerDelivery", 1e6 * cpuSeconds / end.count).put("fanP50Ms", pct(lat, 0.5) / 1e6)
                .put("fanP99Ms", pct(lat, 0.99) / 1e6).put("fanDelivered", delivered)
                .put("fanExpected", (long) n * burstMessages).put("fanExpectedJoined", expected)
                .put("lost", check.lost).put("dup", check.dup).put("order", check.order)
                .put("closedDuringFanout", c.serverClosed.get() - closedDuringJoin);
        r.note("fan-out: %d messages to %d joined receivers: %d of %d delivered (%d of %d members), %.0f/s, "
                        + "p50 %.3f s, p99 %.3f s, server CPU %.1f us/delivery; lost %d (to members that had joined, "
                        + "also those the server closed later), duplicated %d, out of order %d;"
                        + " %d more connections closed by the server%s",
                burstMessages, receivers, delivered, expected, delivered, (long) n * burstMessages,
                end.count / elapsed, pct(lat, 0.5) / 1e9, pct(lat, 0.99) / 1e9, r.get("fanUsPerDelivery"),
                check.lost, check.dup, check.order, c.serverClosed.get() - closedDuringJoin, windowLoad(r));
        closeAll(conns);
        return r;
    }

    /**
     * Scenario 2: room of 1,000 members + 1 sender, 1,000 messages as fast as the socket takes them; the members in
     * {@code --member-protocol} (gohub by default), the sender a GoHub client.
     */
    Result fanoutMax() throws Exception {
        return fanoutMax(memberFormat);
    }

    /** Scenario 2 with members of {@code format}: every member must get every message once, in that format. */
    Result fanoutMax(MemberFormat format) throws Exception {
        Result r = new Result(format == MemberFormat.GOHUB ? "fanout-max" : "fanout-max:" + format.label);
        r.quiet = quietFanout;
        int n = fanoutClients;
        Counters c = new Counters(n * (long) fanoutMessages);
        Member[] members = new Member[n + 1];
        WsClient.Conn[] memberConns = null;
        SseStreams streams = null;
        if (format.isWebSocket()) {
            URI uri = format.uri(target);
            memberConns = openAll(r, n, format == MemberFormat.GOHUB ? target::memberUri : i -> uri,
                    i -> members[i] = new Member(c, fanoutMessages, format));
        } else {
            streams = new SseStreams();
            long t0 = System.nanoTime();
            streams.openAll(n, format.uri(target), i -> members[i] = new Member(c, fanoutMessages, format), inFlight,
                    600);
            int open = 0;
            for (int i = 0; i < n; i++) {
                open += members[i] != null && members[i].opened ? 1 : 0;
            }
            r.note("%d of %d SSE streams opened in %.1f s", open, n, (System.nanoTime() - t0) / 1e9);
        }
        WsClient.Conn[] senderConn = openAll(r, 1, target::memberUri,
                i -> members[n] = new Member(c, fanoutMessages, MemberFormat.GOHUB));
        WsClient.Conn sender = senderConn[0];
        if (memberConns != null) {
            sendJoins(memberConns, format.join);
        }
        sendJoins(senderConn, MemberFormat.GOHUB.join);
        boolean allJoined = awaitJoins(members, 60);
        if (!allJoined) {
            r.note("join: %d of %d joined; %d error frames%s; %d connections closed by the server %s", c.joined.get(),
                    n + 1, c.errors.get(), c.firstError == null ? "" : " (first: " + c.firstError + ")",
                    c.serverClosed.get(), c.closeCodes);
        }
        try {
            if (!members[n].joined) {
                r.note("the sender did not join");
                return r;
            }
            int receivers = 0;
            for (int i = 0; i < n; i++) {
                receivers += members[i] != null && members[i].joined ? 1 : 0;
            }
            long expected = (long) receivers * fanoutMessages;
            Thread.sleep(500);
            windowStart();
            long cpu0 = windowServer;
            long t0 = windowNanos;
            c.measuring = true;
            for (int s = 0; s < fanoutMessages; s++) {
                sender.sendText(roomMessage(s, System.nanoTime(), 64));
            }
            Mark end = awaitCount(c.delivered::sum, expected, () -> true, 10, 300);
            c.measuring = false;
            Check check = check(members, 0, n, fanoutMessages);
            summarizeDeliveries(r, c, end, cpu0, t0, expected, check,
                    String.format(Locale.ROOT, "%d messages to %d %s receivers", fanoutMessages, receivers,
                            format.label));
            r.put("membersComplete", complete(members, n, fanoutMessages));
            r.note("%d of %d members got every message exactly once", (long) r.get("membersComplete"), n);
        } finally {
            if (memberConns != null) {
                closeAll(memberConns);
            }
            if (streams != null) {
                streams.close();
            }
            closeAll(senderConn);
        }
        return r;
    }

    /** Members among the first {@code n} that got each of the {@code messages} exactly once. */
    private static long complete(Member[] members, int n, int messages) {
        long complete = 0;
        for (int i = 0; i < n; i++) {
            Member m = members[i];
            if (m != null) {
                synchronized (m) {
                    complete += m.distinct == messages && m.dup == 0 ? 1 : 0;
                }
            }
        }
        return complete;
    }

    /** Scenario 3: 1,000 clients, 200 admin broadcasts, each sent when the previous HTTP call returned. */
    Result broadcast() throws Exception {
        Result r = new Result("broadcast");
        int n = broadcastClients;
        Counters c = new Counters(n * (long) broadcasts);
        Member[] members = new Member[n];
        WsClient.Conn[] conns = openAll(r, n, i -> target.ws, i -> members[i] = new Member(c, broadcasts,
                BROADCAST));
        int open = countOpen(conns);
        Thread.sleep(500);
        long expected = (long) open * broadcasts;
        windowStart();
        long cpu0 = windowServer;
        long t0 = windowNanos;
        c.measuring = true;
        int failed = 0;
        int status = 0;
        for (int s = 0; s < broadcasts; s++) {
            status = target.broadcast("{\"message_type\":\"bench_broadcast\",\"data\":{\"p\":\""
                    + payload(s, System.nanoTime(), 64) + "\"}}");
            if (status / 100 != 2) {
                failed++;
            }
        }
        long posted = System.nanoTime();
        Mark end = awaitCount(c.delivered::sum, expected, () -> true, 10, 300);
        c.measuring = false;
        if (failed > 0) {
            r.note("%d of %d broadcasts failed (last HTTP status %d)", failed, broadcasts, status);
        }
        r.put("httpFailed", failed).put("postsPerSecond", broadcasts / ((posted - t0) / 1e9));
        Check check = check(members, 0, n, broadcasts);
        summarizeDeliveries(r, c, end, cpu0, t0, expected, check,
                String.format(Locale.ROOT, "%d broadcasts to %d clients (%.0f POST/s)", broadcasts, open,
                        r.get("postsPerSecond")));
        closeAll(conns);
        return r;
    }

    /** Scenario 4: K clients in a closed loop, one {@code echo} in flight each. */
    Result echo(int k) throws Exception {
        Result r = new Result("echo");
        return closedLoop(r, k, false);
    }

    /** Scenario 5: one client in a closed loop of {@code ping} frames. */
    Result ping() throws Exception {
        Result r = new Result("ping");
        return closedLoop(r, 1, true);
    }

    private Result closedLoop(Result r, int k, boolean ping) throws Exception {
        Counters c = new Counters(10_000_000);
        byte[] reply = bytes((ping ? "pong" : target.echoReply()) + "\"");
        Echoer[] echoers = new Echoer[k];
        WsClient.Conn[] conns = openAll(r, k, i -> target.ws, i -> echoers[i] = new Echoer(c, reply, ping));
        for (int i = 0; i < k; i++) {
            if (conns[i].isOpen()) {
                echoers[i].fire(conns[i]);
            }
        }
        Thread.sleep(1000);
        long ops0 = c.delivered.sum();
        windowStart();
        long cpu0 = windowServer;
        long t0 = windowNanos;
        c.measuring = true;
        Thread.sleep(seconds * 1000L);
        c.measuring = false;
        long t1 = System.nanoTime();
        long cpu1 = target.cpuTicks();
        long ops = c.delivered.sum() - ops0;
        String load = windowLoad(r);
        for (Echoer e : echoers) {
            e.running = false;
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        int outstanding;
        do {
            Thread.sleep(20);
            outstanding = 0;
            for (Echoer e : echoers) {
                outstanding += e.waiting ? 1 : 0;
            }
        } while (outstanding > 0 && System.nanoTime() < deadline);
        long sent = 0;
        for (Echoer e : echoers) {
            sent += e.seq;
        }
        double elapsed = (t1 - t0) / 1e9;
        long[] lat = c.latencies.sorted();
        double us = 1e6 * (cpu1 - cpu0) / Proc.TICKS_PER_SECOND / ops;
        r.put("perSecond", ops / elapsed).put("p50Ms", pct(lat, 0.5) / 1e6).put("p99Ms", pct(lat, 0.99) / 1e6)
                .put("usPerRequest", us).put("lost", outstanding).put("dup", c.mismatched.get())
                .put("order", 0);
        r.note("%d client(s), %s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, server CPU %.0f%% of a core, %.1f us/request;"
                        + " %d sent, %d answered, unanswered %d, wrong or duplicate replies %d, error frames %d%s",
                k, ping ? "ping" : "echo", ops / elapsed, pct(lat, 0.5) / 1e6, pct(lat, 0.99) / 1e6,
                100 * (cpu1 - cpu0) / Proc.TICKS_PER_SECOND / elapsed, us, sent, c.answered.get(), outstanding,
                c.mismatched.get(), c.errors.get(), load);
        closeAll(conns);
        return r;
    }

    /**
     * Scenarios 6 and 7: connect {@code connectClients} (200 handshakes in flight), hold; server CPU per connection,
     * per 1,000-connection slice; then on to {@code idleClients} for RSS (and live heap) per idle connection.
     */
    Result connect() throws Exception {
        Result r = new Result("connect");
        long pid = target.pids[0];
        Map<String, Long> heap0 = null;
        if (target.flavor == Target.Flavor.WSHUB && pid != 0) {
            heap0 = Proc.liveHistogram(pid);
        }
        int idleClients = this.idleClients;
        long fds = openFiles();
        long limit = fileLimit();
        if (fds >= 0 && limit > 0 && idleClients > limit - fds - 100) {
            int fit = (int) Math.max(connectClients, limit - fds - 100);
            r.note("this process may open %d files and has %d open: %d idle connections instead of %d", limit, fds,
                    fit, idleClients);
            idleClients = fit;
        }
        Thread.sleep(1000);
        long rss0 = target.rssKib();
        int slices = idleClients / 1000;
        long[] sliceCpu = new long[slices + 1];
        long[] sliceNanos = new long[slices + 1];
        Arrays.fill(sliceCpu, -1);
        windowStart();
        long cpu0 = windowServer;
        long t0 = windowNanos;
        sliceCpu[0] = cpu0;
        sliceNanos[0] = t0;
        Counters c = new Counters(0);
        IdleHandler idle = new IdleHandler(c);
        WsClient.Conn[] first = client.openAll(connectClients, i -> target.ws, i -> idle, inFlight, 600,
                slicer(0, sliceCpu, sliceNanos));
        long t1 = System.nanoTime();
        int open1 = countOpen(first);
        Thread.sleep(holdSeconds * 1000L);
        long cpuHeld = target.cpuTicks();
        String load = windowLoad(r);
        int stillOpen = countOpen(first);
        double msPerConn = 1e3 * (cpuHeld - cpu0) / Proc.TICKS_PER_SECOND / open1;
        long[] handshakes = handshakeNanos(first);
        r.put("msPerConn", msPerConn).put("connPerSecond", open1 / ((t1 - t0) / 1e9))
                .put("handshakeP50Ms", pct(handshakes, 0.5) / 1e6).put("handshakeP99Ms", pct(handshakes, 0.99) / 1e6)
                .put("connected", open1).put("failed", connectClients - open1)
                .put("closedByServer", open1 - stillOpen);
        r.note("%d of %d connected in %.1f s (%.0f conn/s), handshake p50 %.0f ms, p99 %.0f ms; held %d s: "
                        + "%d closed by the server; server CPU %.2f ms/connection (connect + hold)%s%s",
                open1, connectClients, (t1 - t0) / 1e9, r.get("connPerSecond"), r.get("handshakeP50Ms"),
                r.get("handshakeP99Ms"), holdSeconds, open1 - stillOpen, msPerConn, failures(first), load);

        int firstSlice = connectClients / 1000;
        WsClient.Conn[] more = client.openAll(idleClients - connectClients, i -> target.ws, i -> idle, inFlight, 600,
                slicer(connectClients, sliceCpu, sliceNanos));
        int openMore = countOpen(more);
        StringBuilder line = new StringBuilder();
        for (int k = 1; k <= slices; k++) {
            long base = k == firstSlice + 1 ? cpuHeld : sliceCpu[k - 1];
            if (sliceCpu[k] < 0 || base < 0) {
                continue;
            }
            double ms = 1e3 * (sliceCpu[k] - base) / Proc.TICKS_PER_SECOND / 1000;
            line.append(String.format(Locale.ROOT, " %dk %.2f", k, ms));
            if (k == 1 || k == 10 || k == slices) {
                r.put("slice" + k + "k", ms);
            }
        }
        r.put("slices", slices);
        r.note("server CPU ms/connection per 1,000-connection slice (hold excluded):%s", line);
        Thread.sleep(2000);
        int total = countOpen(first) + countOpen(more);
        long rss1 = target.rssKib();
        int reported = target.connectedClients();
        r.put("idle", total).put("rssKibPerConn", (double) (rss1 - rss0) / total).put("rssBeforeMib", rss0 / 1024.0)
                .put("rssAfterMib", rss1 / 1024.0);
        r.note("%d idle connections (%d more failed%s; server reports %d): RSS %.0f -> %.0f MiB, %.1f KiB per "
                        + "connection", total, idleClients - connectClients - openMore, failures(more), reported,
                rss0 / 1024.0, rss1 / 1024.0, r.get("rssKibPerConn"));
        if (heap0 != null) {
            Map<String, Long> heap1 = Proc.liveHistogram(pid);
            long grown = heap1.getOrDefault("*total*", 0L) - heap0.getOrDefault("*total*", 0L);
            r.put("heapBytesPerConn", (double) grown / total).put("heapLiveMib", heap1.get("*total*") / 1048576.0);
            r.note("live heap after full GC (jcmd GC.class_histogram): %.1f -> %.1f MiB, %.0f bytes per connection;"
                            + " most grown: %s", heap0.getOrDefault("*total*", 0L) / 1048576.0,
                    heap1.getOrDefault("*total*", 0L) / 1048576.0, r.get("heapBytesPerConn"),
                    topGrowth(heap0, heap1, total, 8));
        }
        List<WsClient.Conn> all = new ArrayList<>(Arrays.asList(first));
        all.addAll(Arrays.asList(more));
        WsClient.closeAll(all, 30);
        return r;
    }

    private static long openFiles() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static long fileLimit() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            // unknown
        }
        return -1;
    }

    private IntConsumer slicer(int offset, long[] sliceCpu, long[] sliceNanos) {
        return n -> {
            int total = offset + n;
            if (total % 1000 == 0 && total / 1000 < sliceCpu.length) {
                sliceCpu[total / 1000] = target.cpuTicks();
                sliceNanos[total / 1000] = System.nanoTime();
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------- warm-up

    /**
     * Warm-up load for a JIT: 50 clients in an echo loop, 1 ping client, a room of {@code fanoutClients} members
     * with 20 messages/s, 25 admin broadcasts/s and 200 connections opened, joined and closed every 5 s. (With a
     * broadcast every 2 s, the measured broadcasts were still compiling the POST path: 45% of the server's CPU in a
     * 25 s JFR recording was the JIT.)
     */
    void warmup(int warmSeconds) throws Exception {
        if (warmSeconds <= 0) {
            return;
        }
        System.out.printf("%s %s: warm-up %d s (echo, ping, room fan-out, broadcast, connect churn)%n", now(),
                target.label, warmSeconds);
        Result scratch = new Result("warmup");
        scratch.quiet = true;
        Counters echoes = new Counters(0);
        byte[] echoReply = bytes(target.echoReply() + "\"");
        List<WsClient.Conn> conns = new ArrayList<>();
        Echoer[] echoers = new Echoer[51];
        WsClient.Conn[] loop = openAll(scratch, 51, i -> target.ws,
                i -> echoers[i] = new Echoer(echoes, i == 50 ? PONG : echoReply, i == 50));
        conns.addAll(Arrays.asList(loop));
        Counters room = new Counters(0);
        int n = fanoutClients;
        Member[] members = new Member[n + 1];
        WsClient.Conn[] roomConns = openAll(scratch, n + 1, target::memberUri,
                i -> members[i] = new Member(room, 1, ROOM_MESSAGE));
        conns.addAll(Arrays.asList(roomConns));
        sendJoins(roomConns);
        awaitJoins(members, roomConns, 60);
        for (int i = 0; i < loop.length; i++) {
            if (loop[i].isOpen()) {
                echoers[i].fire(loop[i]);
            }
        }
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        AtomicLong seq = new AtomicLong();
        timer.scheduleAtFixedRate(() -> roomConns[n].sendText(roomMessage(seq.incrementAndGet() % 1000,
                System.nanoTime(), 64)), 0, 50, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(() -> {
            try {
                target.broadcast("{\"message_type\":\"bench_warm\",\"data\":{\"p\":\"" + payload(0,
                        System.nanoTime(), 64) + "\"}}");
            } catch (Exception e) {
                // warm-up only
            }
        }, 1000, 40, TimeUnit.MILLISECONDS); // 25/s: the admin POST path (JAX-RS, MP-JWT) must reach the JIT's top tier
        timer.scheduleWithFixedDelay(() -> {
            try {
                Member[] churn = new Member[200];
                WsClient.Conn[] cs = client.openAll(200, target::memberUri, i -> churn[i] = new Member(room, 1,
                        ROOM_MESSAGE), inFlight, 60, null);
                sendJoins(cs);
                Thread.sleep(500);
                closeAll(cs);
            } catch (Exception e) {
                // warm-up only
            }
        }, 2, 5, TimeUnit.SECONDS);
        long start = System.nanoTime();
        long cpu = target.cpuTicks();
        long ops = echoes.delivered.sum();
        long deliveries = room.delivered.sum();
        long last = start;
        while (System.nanoTime() - start < warmSeconds * 1_000_000_000L) {
            Thread.sleep(Math.min(30_000, Math.max(1, warmSeconds * 1000L - (System.nanoTime() - start) / 1_000_000)));
            long now = System.nanoTime();
            long cpuNow = target.cpuTicks();
            double dt = (now - last) / 1e9;
            System.out.printf("  warm-up %3.0f s: %.0f echo/s, %.0f room deliveries/s, server CPU %.0f%% of a core%n",
                    (now - start) / 1e9, (echoes.delivered.sum() - ops) / dt, (room.delivered.sum() - deliveries) / dt,
                    100 * (cpuNow - cpu) / Proc.TICKS_PER_SECOND / dt);
            last = now;
            cpu = cpuNow;
            ops = echoes.delivered.sum();
            deliveries = room.delivered.sum();
        }
        timer.shutdown();
        timer.awaitTermination(30, TimeUnit.SECONDS);
        for (Echoer e : echoers) {
            e.running = false;
        }
        Thread.sleep(500);
        WsClient.closeAll(conns, 30);
        target.awaitNoClients(60);
    }

    /**
     * Warm-up of one member format: the fan-out scenario itself, in that format, again and again for
     * {@code warmSeconds} (connects, joins, 1,000,000 deliveries and closes each time), so that the format's encoder
     * and writer reach the JIT's top tier; each round's CPU per delivery is printed, to see it settle.
     */
    void warmupFanout(MemberFormat format, int warmSeconds) throws Exception {
        if (warmSeconds <= 0) {
            return;
        }
        System.out.printf("%s %s: warm-up %d s, fan-out with %s members%n", now(), target.label, warmSeconds,
                format.label);
        long start = System.nanoTime();
        int round = 0;
        while (System.nanoTime() - start < warmSeconds * 1_000_000_000L) {
            Result r = fanoutMaxQuietly(format);
            round++;
            System.out.printf(Locale.ROOT, "  warm-up round %d (%3.0f s): %.2f us/delivery, %,d of %,d delivered%n",
                    round, (System.nanoTime() - start) / 1e9, r.get("usPerDelivery"), (long) r.get("delivered"),
                    (long) r.get("expected"));
            target.awaitNoClients(60);
        }
    }

    private Result fanoutMaxQuietly(MemberFormat format) throws Exception {
        quietFanout = true;
        try {
            return fanoutMax(format);
        } finally {
            quietFanout = false;
        }
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private WsClient.Conn[] openAll(Result r, int n, java.util.function.IntFunction<URI> uri,
                                    java.util.function.IntFunction<WsClient.Handler> handler) throws Exception {
        long t0 = System.nanoTime();
        WsClient.Conn[] conns = client.openAll(n, uri, handler, inFlight, 600, null);
        int open = countOpen(conns);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // GoHub registers a connection with its hub asynchronously after the handshake ("client not found" on a
        // join_room that comes too early): start once the server counts them all
        long deadline = System.nanoTime() + 30_000_000_000L;
        int counted = target.connectedClients();
        while (counted >= 0 && counted < open && System.nanoTime() < deadline) {
            Thread.sleep(20);
            counted = target.connectedClients();
        }
        r.note("%d of %d connected in %.1f s%s%s", open, n, seconds, failures(conns),
                counted >= 0 && counted != open ? "; the server counts " + counted : "");
        return conns;
    }

    private static void closeAll(WsClient.Conn[] conns) throws InterruptedException {
        WsClient.closeAll(Arrays.asList(conns), 30);
    }

    /** All join frames at once, {@code joinBatch} per turn (a yield between batches). */
    private void sendJoins(WsClient.Conn[] conns) {
        sendJoins(conns, bytes(JOIN));
    }

    private void sendJoins(WsClient.Conn[] conns, byte[] join) {
        for (int i = 0; i < conns.length; i++) {
            if (conns[i] != null && conns[i].isOpen()) {
                conns[i].sendText(join);
            }
            if ((i + 1) % joinBatch == 0) {
                Thread.yield();
            }
        }
    }

    /** Waits until every open member joined or {@code seconds} passed; true if all did. */
    private static boolean awaitJoins(Member[] members, WsClient.Conn[] conns, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            int pending = 0;
            for (int i = 0; i < members.length; i++) {
                if (conns[i] != null && members[i] != null && !members[i].joined && !members[i].refused
                        && conns[i].isOpen()) {
                    pending++;
                }
            }
            if (pending == 0) {
                for (int i = 0; i < members.length; i++) {
                    if (members[i] == null || !members[i].joined) {
                        return false;
                    }
                }
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
    }

    /** Waits until every member that opened joined, was refused or closed, or {@code seconds} passed; true if all joined. */
    private static boolean awaitJoins(Member[] members, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            int pending = 0;
            boolean all = true;
            for (Member m : members) {
                if (m != null && m.opened && !m.joined && !m.refused && !m.closed) {
                    pending++;
                }
                all &= m != null && m.joined;
            }
            if (pending == 0 || System.nanoTime() > deadline) {
                return all;
            }
            Thread.sleep(5);
        }
    }

    /** Where a wait for deliveries ended: the time and server CPU of the last progress, and the count then. */
    record Mark(long nanos, long cpu, long count) {
    }

    /**
     * Polls every 5 ms until {@code count} reaches {@code expected}, or (once {@code sendingDone}) nothing new arrived
     * for {@code idleSeconds}, or {@code maxSeconds} passed; the mark of the last progress.
     */
    private Mark awaitCount(LongSupplier count, long expected, java.util.function.BooleanSupplier sendingDone,
                            int idleSeconds, int maxSeconds) throws InterruptedException {
        long start = System.nanoTime();
        Mark last = new Mark(start, target.cpuTicks(), count.getAsLong());
        while (true) {
            Thread.sleep(5);
            long now = System.nanoTime();
            long n = count.getAsLong();
            if (n != last.count) {
                last = new Mark(now, target.cpuTicks(), n);
            }
            if (n >= expected) {
                return last;
            }
            if (now - start > maxSeconds * 1_000_000_000L
                    || (sendingDone.getAsBoolean() && now - last.nanos > idleSeconds * 1_000_000_000L)) {
                return last;
            }
        }
    }

    private void summarizeDeliveries(Result r, Counters c, Mark end, long cpu0, long t0, long expected, Check check,
                                     String what) {
        double cpuSeconds = (end.cpu - cpu0) / Proc.TICKS_PER_SECOND;
        double elapsed = (end.nanos - t0) / 1e9;
        long[] lat = c.latencies.sorted();
        r.put("usPerDelivery", 1e6 * cpuSeconds / end.count).put("perSecond", end.count / elapsed)
                .put("delivered", c.delivered.sum()).put("expected", expected).put("p50Ms", pct(lat, 0.5) / 1e6)
                .put("p99Ms", pct(lat, 0.99) / 1e6).put("lost", check.lost).put("dup", check.dup)
                .put("order", check.order).put("closedByServer", c.serverClosed.get());
        r.note("%s: %d of %d delivered in %.2f s (%.0f/s), p50 %.1f ms, p99 %.1f ms, server CPU %.0f%% of a core, "
                        + "%.2f us/delivery; lost %d, duplicated %d, out of order %d; %d connections closed by the "
                        + "server%s; %d error frames%s%s",
                what, c.delivered.sum(), expected, elapsed, end.count / elapsed, pct(lat, 0.5) / 1e6,
                pct(lat, 0.99) / 1e6, 100 * cpuSeconds / elapsed, r.get("usPerDelivery"), check.lost, check.dup,
                check.order, c.serverClosed.get(), c.closeCodes.isEmpty() ? "" : " " + c.closeCodes,
                c.errors.get(), c.firstError == null ? "" : " (first: " + c.firstError + ")", windowLoad(r));
    }

    /** Starts a measured window: the server's, this process's and the machine's CPU now. */
    private void windowStart() {
        windowNanos = System.nanoTime();
        windowServer = target.cpuTicks();
        windowSelf = Proc.selfCpuTicks();
        windowBusy = Proc.machineBusyTicks();
    }

    /** "; load generator ..., other processes ..." from {@link #windowStart} until now (the noise of the window). */
    private String windowLoad(Result r) {
        double elapsed = (System.nanoTime() - windowNanos) / 1e9;
        long server = target.cpuTicks() - windowServer;
        long self = Proc.selfCpuTicks() - windowSelf;
        long busy = Proc.machineBusyTicks() - windowBusy;
        double selfPct = 100 * self / Proc.TICKS_PER_SECOND / elapsed;
        double otherPct = 100 * Math.max(0, busy - self - server) / Proc.TICKS_PER_SECOND / elapsed;
        r.put("loadGenCpuPct", selfPct).put("otherCpuPct", otherPct);
        return String.format(Locale.ROOT, "; load generator CPU %.0f%% of a core, other processes %.0f%%", selfPct,
                otherPct);
    }

    record Check(long lost, long dup, long order) {
    }

    /** Lost (of the members that joined), duplicated and out-of-order messages over members[from, to). */
    private static Check check(Member[] members, int from, int to, int messages) {
        long lost = 0;
        long dup = 0;
        long order = 0;
        for (int i = from; i < to; i++) {
            Member m = members[i];
            if (m == null) {
                continue;
            }
            synchronized (m) {
                if (m.expected()) {
                    lost += messages - m.distinct;
                }
                dup += m.dup;
                order += m.order;
            }
        }
        return new Check(lost, dup, order);
    }

    private static int countOpen(WsClient.Conn[] conns) {
        int n = 0;
        for (WsClient.Conn c : conns) {
            n += c != null && c.isOpen() ? 1 : 0;
        }
        return n;
    }

    private static long[] handshakeNanos(WsClient.Conn[] conns) {
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
    private static String failures(WsClient.Conn[] conns) {
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

    private static String topGrowth(Map<String, Long> before, Map<String, Long> after, int connections, int top) {
        List<Map.Entry<String, Long>> grown = new ArrayList<>();
        after.forEach((k, v) -> {
            if (!k.equals("*total*")) {
                grown.add(Map.entry(k, v - before.getOrDefault(k, 0L)));
            }
        });
        grown.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(top, grown.size()); i++) {
            s.append(i == 0 ? "" : ", ").append(grown.get(i).getKey()).append(' ')
                    .append(grown.get(i).getValue() / connections).append(" B");
        }
        return s.toString();
    }

    static String roomMessage(long seq, long nanos, int size) {
        return "{\"message_id\":" + (seq + 2) + ",\"message_type\":\"room_message\",\"data\":{\"room_id\":\"" + ROOM
                + "\",\"content\":{\"p\":\"" + payload(seq, nanos, size) + "\"}}}";
    }

    /** {@code seq:nanos:xxx...}, exactly {@code size} characters (or longer if the numbers need it). */
    static String payload(long seq, long nanos, int size) {
        StringBuilder s = new StringBuilder(size).append(seq).append(':').append(nanos).append(':');
        while (s.length() < size) {
            s.append('x');
        }
        return s.toString();
    }

    static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String now() {
        return java.time.LocalTime.now().withNano(0).toString();
    }

    /** Index just after {@code "message_type":"}, or -1. */
    static int typeAt(byte[] a, int off, int len) {
        int i = WsClient.indexOf(a, off, off + len, TYPE_KEY);
        return i < 0 ? -1 : i + TYPE_KEY.length;
    }

    static boolean matches(byte[] a, int at, int end, byte[] expected) {
        if (at < 0 || end - at < expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (a[at + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The digits at {@code i} as a number. */
    static long number(byte[] a, int i, int end) {
        long v = 0;
        while (i < end && a[i] >= '0' && a[i] <= '9') {
            v = v * 10 + (a[i++] - '0');
        }
        return v;
    }

    static int skipNumber(byte[] a, int i, int end) {
        while (i < end && a[i] >= '0' && a[i] <= '9') {
            i++;
        }
        return i + 1;
    }

    // ---------------------------------------------------------------------------------------------------- clients

    /** What the clients of one scenario saw. */
    static final class Counters {
        final LongAdder delivered = new LongAdder();
        final AtomicLong answered = new AtomicLong();
        final AtomicLong mismatched = new AtomicLong();
        final AtomicInteger joined = new AtomicInteger();
        final AtomicInteger serverClosed = new AtomicInteger();
        final AtomicLong errors = new AtomicLong();
        final Map<Integer, Integer> closeCodes = new ConcurrentHashMap<>();
        final LatencyLog latencies;
        volatile long lastJoinNanos;
        volatile boolean measuring;
        volatile String firstError;

        Counters(long latencyCapacity) {
            latencies = new LatencyLog((int) Math.min(latencyCapacity, 20_000_000));
        }

        void error(byte[] a, int off, int len) {
            if (errors.incrementAndGet() == 1) {
                firstError = new String(a, off, Math.min(len, 300), StandardCharsets.UTF_8);
            }
        }

        void closed(int code, boolean byServer) {
            if (byServer) {
                serverClosed.incrementAndGet();
                closeCodes.merge(code, 1, Integer::sum);
            }
        }
    }

    /** A room member (or broadcast receiver): counts each numbered message once, in order. */
    static final class Member implements WsClient.Handler {
        private static final byte[] SSE_ROOM_MESSAGE = bytes("room_message");
        private final Counters c;
        private final long[] seen;
        private final int messages;
        private final byte[] counted;
        /** Non-null: a room member of this format (its frames classified by it), else a GoHub frame of type counted. */
        private final MemberFormat format;
        /** Every message is expected (broadcast), not only once joined (room). */
        private final boolean expectAll;
        volatile boolean opened;
        volatile boolean joined;
        volatile boolean closed;
        /** An error frame came before {@code room_joined}. */
        volatile boolean refused;
        int distinct;
        int dup;
        int order;
        private long last = -1;

        Member(Counters c, int messages, byte[] countedType) {
            this(c, messages, countedType, null);
        }

        /** A room member whose frames are in {@code format} (the room messages it counts are that format's). */
        Member(Counters c, int messages, MemberFormat format) {
            this(c, messages, format == MemberFormat.SSE ? SSE_ROOM_MESSAGE : null, format);
        }

        private Member(Counters c, int messages, byte[] countedType, MemberFormat format) {
            this.c = c;
            this.messages = messages;
            this.seen = new long[(messages + 63) / 64];
            this.counted = countedType;
            this.format = format;
            this.expectAll = countedType == BROADCAST;
        }

        boolean expected() {
            return opened && (joined || expectAll);
        }

        @Override
        public void onOpen(WsClient.Conn conn) {
            opened = true;
        }

        @Override
        public void onText(WsClient.Conn conn, byte[] a, int off, int len) {
            if (format != null) {
                switch (format.classify(a, off, len)) {
                    case MESSAGE -> received(a, off, off + len);
                    case JOINED -> joinedNow();
                    case ERROR -> errorNow(a, off, len);
                    default -> {
                    }
                }
                return;
            }
            int end = off + len;
            int at = typeAt(a, off, len);
            if (matches(a, at, end, counted)) {
                received(a, at, end);
            } else if (matches(a, at, end, ROOM_JOINED)) {
                joinedNow();
            } else if (matches(a, at, end, ERROR)) {
                errorNow(a, off, len);
            }
        }

        /** An SSE event: its type and its data line after {@code data:}. */
        void onEvent(String type, byte[] a, int off, int len) {
            switch (type) {
                case "room_message" -> received(a, off, off + len);
                case "room_joined" -> joinedNow();
                case "error", "close" -> errorNow(a, off, len);
                default -> {
                }
            }
        }

        /** A room message: its sequence number and send time from the payload {@code "p":"seq:nanos:..."}. */
        private void received(byte[] a, int from, int end) {
            long now = System.nanoTime();
            int p = WsClient.indexOf(a, from, end, P_KEY);
            if (p < 0) {
                return;
            }
            p += P_KEY.length;
            long seq = number(a, p, end);
            long sentAt = number(a, skipNumber(a, p, end), end);
            c.delivered.increment();
            if (c.measuring) {
                c.latencies.add(now - sentAt);
            }
            got(seq);
        }

        private void joinedNow() {
            if (!joined) {
                joined = true;
                c.lastJoinNanos = System.nanoTime();
                c.joined.incrementAndGet();
            }
        }

        private void errorNow(byte[] a, int off, int len) {
            if (!joined) {
                refused = true;
            }
            c.error(a, off, len);
        }

        private synchronized void got(long seq) {
            if (seq < 0 || seq >= messages) {
                return;
            }
            int word = (int) (seq >>> 6);
            long bit = 1L << (seq & 63);
            if ((seen[word] & bit) != 0) {
                dup++;
                return;
            }
            seen[word] |= bit;
            distinct++;
            if (seq < last) {
                order++;
            }
            last = Math.max(last, seq);
        }

        @Override
        public void onClose(WsClient.Conn conn, int code, boolean byServer) {
            closed = true;
            c.closed(code, byServer);
        }
    }

    /** Closed loop: the next request goes out when the previous one is answered. */
    final class Echoer implements WsClient.Handler {
        private final Counters c;
        private final byte[] reply;
        private final boolean ping;
        volatile long seq;
        volatile long sentAt;
        volatile boolean waiting;
        volatile boolean running = true;

        Echoer(Counters c, byte[] reply, boolean ping) {
            this.c = c;
            this.reply = reply;
            this.ping = ping;
        }

        void fire(WsClient.Conn conn) {
            long s = seq + 1;
            seq = s;
            waiting = true;
            long t = System.nanoTime();
            sentAt = t;
            if (ping) {
                conn.sendText("{\"message_id\":" + s + ",\"message_type\":\"ping\",\"data\":{\"ts\":"
                        + System.currentTimeMillis() + "}}");
            } else {
                conn.sendText("{\"message_id\":" + s + ",\"message_type\":\"echo\",\"data\":{\"p\":\""
                        + payload(s, t, 32) + "\"}}");
            }
        }

        @Override
        public void onText(WsClient.Conn conn, byte[] a, int off, int len) {
            int end = off + len;
            int at = typeAt(a, off, len);
            if (matches(a, at, end, reply)) {
                long now = System.nanoTime();
                if (!waiting) {
                    c.mismatched.incrementAndGet();
                    return;
                }
                if (!ping) {
                    int p = WsClient.indexOf(a, at, end, P_KEY);
                    if (p < 0 || number(a, p + P_KEY.length, end) != seq) {
                        c.mismatched.incrementAndGet();
                    }
                }
                waiting = false;
                c.answered.incrementAndGet();
                c.delivered.increment();
                if (c.measuring) {
                    c.latencies.add(now - sentAt);
                }
                if (running) {
                    fire(conn);
                }
            } else if (matches(a, at, end, ERROR)) {
                c.error(a, off, len);
            }
        }

        @Override
        public void onClose(WsClient.Conn conn, int code, boolean byServer) {
            c.closed(code, byServer);
        }
    }

    /** Holds a connection and counts server closes. */
    static final class IdleHandler implements WsClient.Handler {
        private final Counters c;

        IdleHandler(Counters c) {
            this.c = c;
        }

        @Override
        public void onText(WsClient.Conn conn, byte[] a, int off, int len) {
        }

        @Override
        public void onClose(WsClient.Conn conn, int code, boolean byServer) {
            c.closed(code, byServer);
        }
    }

    /** Latencies of a measured window (bounded). */
    static final class LatencyLog {
        private final long[] values;
        private final AtomicInteger count = new AtomicInteger();

        LatencyLog(int capacity) {
            values = new long[Math.max(capacity, 16)];
        }

        void add(long nanos) {
            int at = count.getAndIncrement();
            if (at >= 0 && at < values.length) {
                values[at] = nanos;
            }
        }

        long[] sorted() {
            long[] copy = Arrays.copyOf(values, Math.min(values.length, Math.max(0, count.get())));
            Arrays.sort(copy);
            return copy;
        }
    }

    /** The figures of one scenario on one server. */
    static final class Result {
        final String scenario;
        final Map<String, Double> values = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();
        boolean quiet;

        Result(String scenario) {
            this.scenario = scenario;
        }

        Result put(String key, double value) {
            values.put(key, value);
            return this;
        }

        double get(String key) {
            return values.getOrDefault(key, Double.NaN);
        }

        void note(String format, Object... args) {
            String s = String.format(Locale.ROOT, format, args);
            notes.add(s);
            if (!quiet) {
                System.out.println("    " + s);
            }
        }
    }
}
