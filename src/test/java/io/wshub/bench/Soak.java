package io.wshub.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak run (issue 8, item 16): minutes of churn on one node, then checks that the node holds nothing it should
 * not. It starts a wshub node itself (the built WAR on Payara Micro, memory bus, {@code -Xmx1g}) unless given
 * {@code --url} (and {@code --pid}, for heap, threads and RSS) of one already running.
 * <p>
 * About {@code --clients} (2,000) connections are live at any moment. Each simulated client repeatedly connects,
 * joins 1-3 of {@code --rooms} (50) rooms, sends room messages, direct messages to other live users (by the
 * {@code user_id} of their {@code connected} frame), echoes and pings, leaves and joins rooms, one action every
 * {@code --action-ms} (15,000) ms on average, and after 30-120 s ends its connection, in one of five ways: a clean
 * close while still in rooms, leaving every room then closing, a dropped TCP connection (FIN, no close frame), a reset
 * (RST), or a join sent just before the close; then it reconnects after 0-2 s. {@code --abandon-pct} (5) of the
 * connection attempts give up while connecting: the upgrade request, then FIN, nothing read.
 * <p>
 * Measured: live threads, RSS and server CPU every minute; heap after a full GC ({@code jcmd GC.class_histogram}) at
 * minute {@code --heap-minute} (2) and at the last minute, with the classes that grew in between; once the churn stops
 * and every client closed, every wshub gauge of {@code /metrics} (must be 0); client-side anomalies (handshake
 * failures, closes by the server, unexpected error frames, requests unanswered, room messages lost, duplicated or out
 * of order from one sender while the receiver was surely a member, direct messages lost, error 4001 for a target that
 * was connected); SEVERE and WARNING lines of the node's log during the run. Prints a summary and writes it to
 * {@code --notes} (/tmp/soak-notes.md).
 * <pre>
 * mvn -q -DskipTests package exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.bench.Soak \
 *     -Dexec.args="--minutes 10"
 * </pre>
 * Other options: {@code --session-min 30 --session-max 120} (seconds), {@code --ramp 30} (seconds over which the
 * clients first connect), {@code --grace 10} (seconds a message or reply may take before it counts as lost),
 * {@code --client-threads 1}, {@code --port 18280}, {@code --xmx 1g}, {@code --wshub-war}, {@code --payara-jar},
 * {@code --preboot}, {@code --run-dir}, {@code --repo .} (for the commit), {@code --commit},
 * {@code --zero-wait 90} (how long to wait for the gauges to reach 0 after the close; 10 s is the verdict's bound);
 * to investigate: {@code --linger S} (another heap histogram S seconds after the close), {@code --heap-dump} (after the
 * close, into the run directory).
 */
public final class Soak {

    private static final String PAYARA_VERSION = "6.2025.10";
    private static final Pattern METRIC = Pattern.compile("^(wshub_[A-Za-z0-9_]+)(\\{[^}]*\\})?\\s+(\\S+)");
    private static final Pattern GAUGE_TYPE = Pattern.compile("^# TYPE (wshub_[A-Za-z0-9_]+) gauge");

    private final Options o;
    private final String[] args;
    private final int minutes;
    private final int clients;
    private final int rooms;
    private final int sessionMin;
    private final int sessionMax;
    private final int actionMs;
    private final int heapMinute;
    private final int rampSeconds;
    private final int abandonPct;
    private final long graceNanos;
    private final Path runDir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private Process node;
    private URI ws;
    private URI httpBase;
    private long pid;
    private WsClient client;
    private ScheduledThreadPoolExecutor timer;
    private volatile boolean churning;
    private Agent[] agents;
    private RoomLog[] roomLogs;
    private final AtomicInteger sessionIds = new AtomicInteger();
    private final AtomicLong dmIds = new AtomicLong();

    // activity
    private final LongAdder connects = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final Map<End, LongAdder> ends = new ConcurrentHashMap<>();
    private final LongAdder joinsSent = new LongAdder();
    private final LongAdder joinsAnswered = new LongAdder();
    private final LongAdder leavesSent = new LongAdder();
    private final LongAdder roomSent = new LongAdder();
    private final LongAdder roomReceived = new LongAdder();
    private final LongAdder roomChecked = new LongAdder();
    private final LongAdder roomExcused = new LongAdder();
    private final LongAdder dmSent = new LongAdder();
    private final LongAdder dmReceived = new LongAdder();
    private final LongAdder dmChecked = new LongAdder();
    private final LongAdder dmTargetGone = new LongAdder();
    private final LongAdder dmExcused = new LongAdder();
    private final LongAdder echoes = new LongAdder();
    private final LongAdder pings = new LongAdder();
    private final LongAdder replies = new LongAdder();
    private final Anomalies anomalies = new Anomalies();
    /** From send to receipt of every room message, direct message and reply: the whole run, and this minute. */
    private final Latencies latency = new Latencies();
    private final Latencies minuteLatency = new Latencies();

    /** How a session ends. */
    enum End { CLOSE_IN_ROOMS, LEAVE_THEN_CLOSE, DROP, RESET, JOIN_THEN_CLOSE, SERVER }

    private Soak(Options o, String[] args) throws IOException {
        this.o = o;
        this.args = args;
        minutes = o.getInt("--minutes", 10);
        clients = o.getInt("--clients", 2000);
        rooms = o.getInt("--rooms", 50);
        sessionMin = o.getInt("--session-min", 30);
        sessionMax = Math.max(sessionMin, o.getInt("--session-max", 120));
        actionMs = o.getInt("--action-ms", 15_000);
        heapMinute = Math.min(minutes, o.getInt("--heap-minute", 2));
        rampSeconds = o.getInt("--ramp", 30);
        abandonPct = o.getInt("--abandon-pct", 5);
        graceNanos = TimeUnit.SECONDS.toNanos(o.getInt("--grace", 10));
        runDir = Path.of(o.get("--run-dir", "/tmp/wshub-soak-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        Files.createDirectories(runDir);
        for (End e : End.values()) {
            ends.put(e, new LongAdder());
        }
    }

    public static void main(String[] args) throws Exception {
        Soak soak = new Soak(new Options(args), args);
        Runtime.getRuntime().addShutdownHook(new Thread(soak::stopNode));
        int code;
        try {
            code = soak.run();
        } finally {
            soak.stopNode();
        }
        System.exit(code);
    }

    // ---------------------------------------------------------------------------------------------------- the run

    private record Sample(int minute, int live, Map<String, Double> gauges, int threads, long rssMib,
                          double serverCpuPct, double selfCpuPct, double otherCpuPct, long connects, long roomSent,
                          long roomReceived, long dmSent, long anomalies, String latency) {
    }

    private record Heap(String label, long bytes, int connections, Map<String, long[]> histogram) {
    }

    private int run() throws Exception {
        String date = LocalDateTime.now().withNano(0).toString();
        String commit = o.get("--commit", commit(o.get("--repo", ".")));
        String command = "mvn -q -DskipTests package exec:java -Dexec.classpathScope=test "
                + "-Dexec.mainClass=io.wshub.bench.Soak -Dexec.args=\"" + String.join(" ", args) + "\"";
        long logStart = 0;
        Path log = null;
        if (o.get("--url", null) != null) {
            ws = URI.create(o.get("--url", null));
            pid = Long.parseLong(o.get("--pid", "0"));
        } else {
            node = startWshub();
            pid = node.pid();
            ws = URI.create("ws://127.0.0.1:" + o.getInt("--port", 18280) + "/ws");
            log = runDir.resolve("wshub.log");
        }
        httpBase = URI.create("http://" + ws.getHost() + ":" + ws.getPort());
        System.out.printf("%s soak: %d clients, %d rooms, sessions %d-%d s, an action every %d ms on average, "
                        + "%d minutes, node %s (pid %d), commit %s, run directory %s%n", Scenarios.now(), clients,
                rooms, sessionMin, sessionMax, actionMs, minutes, ws, pid, commit, runDir);

        Map<String, Double> gaugesBefore = gauges();
        Heap start = pid == 0 ? null : heap("start (0 connections)", 0);
        int threadsStart = Proc.threads(pid);
        if (log != null) {
            logStart = Files.size(log);
        }

        roomLogs = new RoomLog[rooms];
        for (int i = 0; i < rooms; i++) {
            roomLogs[i] = new RoomLog();
        }
        agents = new Agent[clients];
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "soak-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        List<Sample> samples = new ArrayList<>();
        Heap atHeapMinute = null;
        Heap atEnd = null;
        String dumpAtHeapMinute = null;
        String dumpAtEnd = null;
        client = new WsClient(o.getInt("--client-threads", 1));
        long t0 = System.nanoTime();
        long cpu0 = Proc.cpuTicks(pid);
        try {
            churning = true;
            for (int i = 0; i < clients; i++) {
                Agent a = new Agent(i);
                agents[i] = a;
                timer.schedule(a::connect, (long) i * rampSeconds * 1000L / clients, TimeUnit.MILLISECONDS);
            }
            long lastNanos = t0;
            long lastServer = cpu0;
            long lastSelf = Proc.selfCpuTicks();
            long lastBusy = Proc.machineBusyTicks();
            long lastConnects = 0;
            long lastRoomSent = 0;
            long lastRoomReceived = 0;
            long lastDm = 0;
            for (int m = 1; m <= minutes; m++) {
                long due = t0 + TimeUnit.MINUTES.toNanos(m);
                while (System.nanoTime() < due) {
                    Thread.sleep(Math.min(1000, Math.max(1, (due - System.nanoTime()) / 1_000_000)));
                }
                long now = System.nanoTime();
                long server = Proc.cpuTicks(pid);
                long self = Proc.selfCpuTicks();
                long busy = Proc.machineBusyTicks();
                double elapsed = (now - lastNanos) / 1e9;
                double serverPct = 100 * (server - lastServer) / Proc.TICKS_PER_SECOND / elapsed;
                double selfPct = 100 * (self - lastSelf) / Proc.TICKS_PER_SECOND / elapsed;
                double otherPct = 100 * Math.max(0, (busy - lastBusy) - (server - lastServer) - (self - lastSelf))
                        / Proc.TICKS_PER_SECOND / elapsed;
                Sample s = new Sample(m, liveCount(), gauges(), Proc.threads(pid), Proc.rssKib(pid) / 1024,
                        serverPct, selfPct, otherPct, connects.sum() - lastConnects, roomSent.sum() - lastRoomSent,
                        roomReceived.sum() - lastRoomReceived, dmSent.sum() - lastDm, anomalies.total(),
                        minuteLatency.summary(true));
                samples.add(s);
                lastNanos = now;
                lastServer = server;
                lastSelf = self;
                lastBusy = busy;
                lastConnects = connects.sum();
                lastRoomSent = roomSent.sum();
                lastRoomReceived = roomReceived.sum();
                lastDm = dmSent.sum();
                System.out.printf("%s minute %d: %d live clients, server %s, %d threads, RSS %d MiB, server CPU "
                                + "%.0f%% of a core (load generator %.0f%%, others %.0f%%), %d connects, %d room "
                                + "messages -> %d deliveries, %d DMs, latency p50/p99/max %s ms, anomalies so far %d%n",
                        Scenarios.now(), m, s.live, shortGauges(s.gauges), s.threads, s.rssMib, s.serverCpuPct,
                        s.selfCpuPct, s.otherCpuPct, s.connects, s.roomSent, s.roomReceived, s.dmSent, s.latency,
                        s.anomalies);
                if (pid != 0 && (m == heapMinute || m == minutes)) {
                    int live = (int) gauge(s.gauges, "wshub_connections_current");
                    Heap h = heap("minute " + m + " (" + live + " connections, churning)", live);
                    String dump = Proc.jcmd(pid, "Thread.print");
                    Files.writeString(runDir.resolve("threads-minute-" + m + ".txt"), dump);
                    if (m == heapMinute) {
                        atHeapMinute = h;
                        dumpAtHeapMinute = dump;
                    }
                    if (m == minutes) {
                        atEnd = h;
                        dumpAtEnd = dump;
                    }
                }
            }
        } finally {
            churning = false;
        }
        double churnSeconds = (System.nanoTime() - t0) / 1e9;
        double churnCpuPct = 100 * (Proc.cpuTicks(pid) - cpu0) / Proc.TICKS_PER_SECOND / churnSeconds;

        // stop: every client ends its session (the same mix of ways), then the node must hold nothing
        System.out.printf("%s churn stopped; closing every client%n", Scenarios.now());
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        List<WsClient.Conn> conns = new ArrayList<>();
        for (Agent a : agents) {
            Session s = a.session;
            if (s != null) {
                s.end(randomEnd());
                if (s.conn != null) {
                    conns.add(s.conn);
                }
            }
        }
        long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (WsClient.Conn c : conns) {
            while (!c.isClosed() && System.nanoTime() < closeDeadline) {
                Thread.sleep(5);
            }
        }
        long stillOpen = conns.stream().filter(c -> !c.isClosed()).count();
        conns.forEach(c -> {
            if (!c.isClosed()) {
                c.abort();
            }
        });
        long closedAt = System.nanoTime();
        Map<String, Double> gaugesAfter = gauges();
        Map<String, Double> gaugesAt10 = null;
        long lastPrint = closedAt;
        int zeroWait = o.getInt("--zero-wait", 90);
        while (!allZero(gaugesAfter) && System.nanoTime() - closedAt < TimeUnit.SECONDS.toNanos(zeroWait)) {
            Thread.sleep(500);
            gaugesAfter = gauges();
            if (gaugesAt10 == null && System.nanoTime() - closedAt >= TimeUnit.SECONDS.toNanos(10)) {
                gaugesAt10 = gaugesAfter;
            }
            if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
                lastPrint = System.nanoTime();
                System.out.printf("%s %.0f s after the last client closed: %s%n", Scenarios.now(),
                        (lastPrint - closedAt) / 1e9, gaugesAfter);
            }
        }
        double zeroAfter = (System.nanoTime() - closedAt) / 1e9;
        System.out.printf("%s after close: %s (%.1f s after the last client closed)%n", Scenarios.now(),
                gaugesAfter, zeroAfter);
        int threadsClosed = Proc.threads(pid);
        String dumpClosed = pid == 0 ? null : Proc.jcmd(pid, "Thread.print");
        if (dumpClosed != null) {
            Files.writeString(runDir.resolve("threads-after-close.txt"), dumpClosed);
        }
        Heap idle = pid == 0 ? null : heap("after close (0 connections)", 0);
        int linger = o.getInt("--linger", 0);
        if (pid != 0 && linger > 0) {
            System.out.printf("%s waiting %d s with no connections%n", Scenarios.now(), linger);
            Thread.sleep(linger * 1000L);
            Heap later = heap(linger + " s after close", 0);
            System.out.printf("%s classes that changed most since the close:%n%s", Scenarios.now(),
                    growth(idle, later, 12));
        }
        if (pid != 0 && o.has("--heap-dump")) {
            Path dump = runDir.resolve("after-close.hprof");
            System.out.printf("%s %s", Scenarios.now(), Proc.jcmd(pid, "GC.heap_dump", dump.toString()));
        }
        long rssIdle = Proc.rssKib(pid) / 1024;
        client.close();

        List<String> severe = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        if (log != null) {
            logLines(log, logStart, severe, warning);
        }

        String md = report(date, commit, command, churnSeconds, churnCpuPct, samples, start, atHeapMinute, atEnd,
                idle, threadsStart, rssIdle, gaugesBefore, gaugesAfter, gaugesAt10, zeroAfter, stillOpen,
                severe,
                warning, dumpAtHeapMinute, dumpAtEnd, threadsClosed, dumpClosed);
        System.out.println();
        System.out.println(md);
        Path notes = Path.of(o.get("--notes", "/tmp/soak-notes.md"));
        Files.writeString(notes, md);
        Files.writeString(runDir.resolve("soak-notes.md"), md);
        System.out.println("written to " + notes + " and " + runDir.resolve("soak-notes.md"));
        return 0;
    }

    private int liveCount() {
        int n = 0;
        for (Agent a : agents) {
            Session s = a == null ? null : a.session;
            if (s != null && s.live) {
                n++;
            }
        }
        return n;
    }

    private static End randomEnd() {
        int r = ThreadLocalRandom.current().nextInt(100);
        return r < 30 ? End.CLOSE_IN_ROOMS : r < 60 ? End.LEAVE_THEN_CLOSE : r < 75 ? End.DROP : r < 90 ? End.RESET
                : End.JOIN_THEN_CLOSE;
    }

    // ---------------------------------------------------------------------------------------------------- clients

    /** One simulated client: a series of sessions (connections), one at a time. */
    final class Agent {
        final int index;
        volatile Session session;

        Agent(int index) {
            this.index = index;
        }

        void connect() {
            if (!churning) {
                return;
            }
            if (ThreadLocalRandom.current().nextInt(100) < abandonPct) {
                // a client that gives up while connecting: the upgrade request, then FIN, nothing read
                abandoned.increment();
                client.openAndAbandon(ws, (c, bytes, offset, length) -> { }, c -> reconnectLater(2000));
                return;
            }
            Session s = new Session(this, sessionIds.incrementAndGet());
            session = s;
            attempts.increment();
            WsClient.Conn c = client.open(ws, Map.of(), s, s::handshakeDone);
            if (s.conn == null) {
                s.conn = c;
            }
        }

        void reconnectLater(long maxDelayMs) {
            if (churning) {
                try {
                    timer.schedule(this::connect, ThreadLocalRandom.current().nextLong(maxDelayMs + 1),
                            TimeUnit.MILLISECONDS);
                } catch (RuntimeException shutDown) {
                    // the run is over
                }
            }
        }
    }

    /** A request waiting for its reply. */
    private record Pending(String kind, int room, long nanos, String payload) {
    }

    /** A direct message, known to the target's session so that it can tell what it should have received. */
    static final class Dm {
        final long id;
        final Session sender;
        final Session target;
        final long nanos;
        volatile boolean received;
        volatile boolean targetGone;

        Dm(long id, Session sender, Session target, long nanos) {
            this.id = id;
            this.sender = sender;
            this.target = target;
            this.nanos = nanos;
        }
    }

    /** Membership of one session in one room, from its {@code room_joined} on. */
    static final class Membership {
        final int room;
        final long joinedNanos;
        final BitSet got = new BitSet();
        final Map<Integer, Integer> lastBySender = new HashMap<>();

        Membership(int room, long joinedNanos) {
            this.room = room;
            this.joinedNanos = joinedNanos;
        }
    }

    /** Every room message sent to one room: when, and by which session (index = message number in the room). */
    static final class RoomLog {
        private long[] nanos = new long[1024];
        private Session[] senders = new Session[1024];
        private int count;

        /** Numbers a message about to be sent; its time is taken under the lock, so times ascend with numbers. */
        synchronized int append(Session sender) {
            if (count == nanos.length) {
                nanos = java.util.Arrays.copyOf(nanos, count * 2);
                senders = java.util.Arrays.copyOf(senders, count * 2);
            }
            nanos[count] = System.nanoTime();
            senders[count] = sender;
            return count++;
        }

        synchronized long sentAt(int n) {
            return n < count ? nanos[n] : 0;
        }

        /** The first number sent after {@code t}. */
        synchronized int firstAfter(long t) {
            int lo = 0;
            int hi = count;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (nanos[mid] - t > 0) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }
    }

    /** One connection of an agent; its callbacks run on the client's selector thread, its actions on the timer. */
    final class Session implements WsClient.Handler {
        final Agent agent;
        final int id;
        volatile WsClient.Conn conn;
        volatile String userId;
        volatile boolean live;
        volatile long endNanos;
        volatile End endedAs;
        private long nextMessageId = 1;
        private final Map<Long, Pending> pending = new HashMap<>();
        private final Map<Integer, Membership> memberships = new HashMap<>();
        private final Map<Integer, Long> joining = new HashMap<>();
        private final Map<Long, Dm> dmsOut = new HashMap<>();
        final Map<Long, Dm> dmsIn = new ConcurrentHashMap<>();
        private ScheduledFuture<?> nextAction;
        private ScheduledFuture<?> endTask;

        Session(Agent agent, int id) {
            this.agent = agent;
            this.id = id;
        }

        void handshakeDone(WsClient.Conn c) {
            if (!c.isOpen() && c.openedNanos == 0 && endNanos == 0) {
                anomalies.add("handshake failed", String.valueOf(c.failure()));
                endNanos = System.nanoTime();
                agent.reconnectLater(1000);
            }
        }

        @Override
        public void onOpen(WsClient.Conn c) {
            conn = c;
            connects.increment();
        }

        @Override
        public void onText(WsClient.Conn c, byte[] bytes, int offset, int length) {
            String frame = new String(bytes, offset, length, StandardCharsets.UTF_8);
            String type = string(frame, "message_type");
            if (type == null) {
                anomalies.add("frame without message_type", frame);
                return;
            }
            long now = System.nanoTime();
            synchronized (this) {
                switch (type) {
                    case "connected" -> connected(frame);
                    case "room_message" -> roomMessage(frame);
                    case "direct_message" -> directMessage(frame);
                    case "room_joined", "room_left", "echo", "pong" -> reply(type, frame, now);
                    case "error" -> error(frame);
                    default -> anomalies.add("unexpected frame " + type, frame);
                }
            }
        }

        @Override
        public void onClose(WsClient.Conn c, int code, boolean byServer) {
            if (c.openedNanos == 0) {
                return; // a failed handshake: handshakeDone counted it
            }
            if (byServer && endNanos == 0) {
                anomalies.add("closed by the server with " + code, "session " + id + " user " + userId + ": "
                        + c.failure());
                end(End.SERVER);
            }
        }

        private void connected(String frame) {
            if (userId != null) {
                anomalies.add("second connected frame", frame);
                return;
            }
            userId = string(frame, "user_id");
            if (endNanos != 0) {
                return;
            }
            live = true;
            int joins = 1 + ThreadLocalRandom.current().nextInt(3);
            for (int i = 0; i < joins; i++) {
                join();
            }
            scheduleAction();
            long life = TimeUnit.SECONDS.toMillis(sessionMin)
                    + ThreadLocalRandom.current().nextLong(TimeUnit.SECONDS.toMillis(sessionMax - sessionMin) + 1);
            try {
                endTask = timer.schedule(() -> end(randomEnd()), life, TimeUnit.MILLISECONDS);
            } catch (RuntimeException shutDown) {
                // the run is over: the final close ends it
            }
        }

        private void scheduleAction() {
            long delay = actionMs / 2 + ThreadLocalRandom.current().nextLong(actionMs + 1);
            try {
                nextAction = timer.schedule(this::act, delay, TimeUnit.MILLISECONDS);
            } catch (RuntimeException shutDown) {
                // the run is over
            }
        }

        private void act() {
            synchronized (this) {
                if (!live || endNanos != 0) {
                    return;
                }
                int r = ThreadLocalRandom.current().nextInt(100);
                if (r < 45) {
                    if (memberships.isEmpty()) {
                        join();
                    } else {
                        sendRoomMessage(randomKey(memberships));
                    }
                } else if (r < 60) {
                    sendDirectMessage();
                } else if (r < 70) {
                    long mid = nextMessageId++;
                    String p = id + "." + mid;
                    pending.put(mid, new Pending("echo", -1, System.nanoTime(), p));
                    echoes.increment();
                    conn.sendText("{\"message_id\":" + mid + ",\"message_type\":\"echo\",\"data\":{\"p\":\"" + p
                            + "\"}}");
                } else if (r < 80) {
                    long mid = nextMessageId++;
                    pending.put(mid, new Pending("ping", -1, System.nanoTime(), null));
                    pings.increment();
                    conn.sendText("{\"message_id\":" + mid + ",\"message_type\":\"ping\",\"data\":{\"ts\":"
                            + System.currentTimeMillis() + "}}");
                } else if (r < 90) {
                    if (memberships.size() + joining.size() > 1 && !memberships.isEmpty()) {
                        leave(randomKey(memberships));
                    } else {
                        join();
                    }
                } else {
                    if (memberships.size() + joining.size() < 3) {
                        join();
                    } else if (!memberships.isEmpty()) {
                        leave(randomKey(memberships));
                    }
                }
            }
            scheduleAction();
        }

        /** Joins a room it is not in nor joining; holds the lock. */
        private void join() {
            for (int tries = 0; tries < 10; tries++) {
                int room = ThreadLocalRandom.current().nextInt(rooms);
                if (memberships.containsKey(room) || joining.containsKey(room)) {
                    continue;
                }
                long mid = nextMessageId++;
                pending.put(mid, new Pending("join_room", room, System.nanoTime(), null));
                joining.put(room, mid);
                joinsSent.increment();
                conn.sendText("{\"message_id\":" + mid + ",\"message_type\":\"join_room\",\"data\":{\"room_id\":\""
                        + roomId(room) + "\"}}");
                return;
            }
        }

        /** Leaves a room it is a member of: from now on its messages are no longer expected; holds the lock. */
        private void leave(int room) {
            Membership m = memberships.remove(room);
            if (m != null) {
                check(m, System.nanoTime());
            }
            long mid = nextMessageId++;
            pending.put(mid, new Pending("leave_room", room, System.nanoTime(), null));
            leavesSent.increment();
            conn.sendText("{\"message_id\":" + mid + ",\"message_type\":\"leave_room\",\"data\":{\"room_id\":\""
                    + roomId(room) + "\"}}");
        }

        private void sendRoomMessage(int room) {
            int n = roomLogs[room].append(this);
            roomSent.increment();
            conn.sendText("{\"message_id\":" + nextMessageId++ + ",\"message_type\":\"room_message\",\"data\":{"
                    + "\"room_id\":\"" + roomId(room) + "\",\"content\":{\"p\":\"" + room + "." + n + "." + id
                    + "\"}}}");
        }

        private void sendDirectMessage() {
            for (int tries = 0; tries < 5; tries++) {
                Session t = agents[ThreadLocalRandom.current().nextInt(agents.length)].session;
                if (t == null || t == this || !t.live || t.userId == null || t.endNanos != 0) {
                    continue;
                }
                long mid = nextMessageId++;
                Dm dm = new Dm(dmIds.incrementAndGet(), this, t, System.nanoTime());
                t.dmsIn.put(dm.id, dm);
                dmsOut.put(mid, dm);
                dmSent.increment();
                conn.sendText("{\"message_id\":" + mid + ",\"message_type\":\"direct_message\",\"data\":{"
                        + "\"target_id\":\"" + t.userId + "\",\"content\":{\"d\":\"" + t.id + "." + dm.id + "\"}}}");
                return;
            }
        }

        private void roomMessage(String frame) {
            roomReceived.increment();
            String roomId = string(frame, "room_id");
            String p = string(frame, "p");
            String[] f = p == null ? new String[0] : p.split("\\.");
            if (f.length != 3 || roomId == null || !roomId.equals(roomId(Integer.parseInt(f[0])))) {
                anomalies.add("room message malformed or in the wrong room", frame);
                return;
            }
            int room = Integer.parseInt(f[0]);
            int n = Integer.parseInt(f[1]);
            int sender = Integer.parseInt(f[2]);
            latency(roomLogs[room].sentAt(n));
            if (sender == id) {
                anomalies.add("room message echoed to its sender", frame);
                return;
            }
            Membership m = memberships.get(room);
            if (m == null) {
                return; // before room_joined or after leave_room: allowed either way
            }
            if (m.got.get(n)) {
                anomalies.add("room message duplicated", frame);
                return;
            }
            m.got.set(n);
            Integer last = m.lastBySender.put(sender, n);
            if (last != null && last > n) {
                anomalies.add("room messages of one sender out of order", "after #" + last + ": " + frame);
            }
        }

        private void directMessage(String frame) {
            dmReceived.increment();
            String d = string(frame, "d");
            String[] f = d == null ? new String[0] : d.split("\\.");
            if (f.length != 2) {
                anomalies.add("direct message malformed", frame);
                return;
            }
            if (Integer.parseInt(f[0]) != id) {
                anomalies.add("direct message for another connection", "session " + id + ": " + frame);
                return;
            }
            Dm dm = dmsIn.get(Long.parseLong(f[1]));
            if (dm == null) {
                anomalies.add("direct message never sent", frame);
            } else if (dm.received) {
                anomalies.add("direct message duplicated", frame);
            } else {
                dm.received = true;
                latency(dm.nanos);
            }
        }

        private void reply(String type, String frame, long now) {
            replies.increment();
            long rid = number(frame, "request_id");
            Pending p = pending.remove(rid);
            String expected = switch (type) {
                case "room_joined" -> "join_room";
                case "room_left" -> "leave_room";
                case "pong" -> "ping";
                default -> "echo";
            };
            if (p == null) {
                if (endNanos == 0) {
                    anomalies.add("reply " + type + " to no request", frame);
                }
                return;
            }
            if (!p.kind.equals(expected)) {
                anomalies.add("reply " + type + " to a " + p.kind, frame);
                return;
            }
            latency(p.nanos);
            switch (type) {
                case "room_joined" -> {
                    joinsAnswered.increment();
                    joining.remove(p.room);
                    if (!roomId(p.room).equals(string(frame, "room_id"))) {
                        anomalies.add("room_joined of another room", frame);
                    }
                    if (endNanos == 0) {
                        memberships.put(p.room, new Membership(p.room, now));
                    }
                }
                case "echo" -> {
                    if (!p.payload.equals(string(frame, "p"))) {
                        anomalies.add("echo with other data", frame);
                    }
                }
                default -> {
                }
            }
        }

        private void error(String frame) {
            long code = number(frame, "code");
            long rid = number(frame, "request_id");
            Pending p = pending.remove(rid);
            Dm dm = dmsOut.remove(rid);
            if (p != null && p.kind.equals("join_room")) {
                joining.remove(p.room);
            }
            if (code == 4001 && dm != null) {
                if (dm.target.endNanos != 0) {
                    dm.targetGone = true;
                    dmTargetGone.increment();
                    return;
                }
                dm.targetGone = true;
                anomalies.add("error 4001 (not online) for a connected target", "target session " + dm.target.id
                        + " user " + dm.target.userId + ": " + frame);
                return;
            }
            anomalies.add("error " + code + (p != null ? " to " + p.kind : dm != null ? " to direct_message" : ""),
                    frame);
        }

        /** Ends the session (any thread): checks what it should have received, then closes in the given way. */
        void end(End how) {
            long now = System.nanoTime();
            List<Integer> inRooms;
            synchronized (this) {
                if (endNanos != 0) {
                    return;
                }
                endNanos = now;
                endedAs = how;
                live = false;
                if (nextAction != null) {
                    nextAction.cancel(false);
                }
                if (endTask != null) {
                    endTask.cancel(false);
                }
                inRooms = new ArrayList<>(memberships.keySet());
                for (Membership m : memberships.values()) {
                    check(m, now);
                }
                memberships.clear();
                for (Map.Entry<Long, Pending> e : pending.entrySet()) {
                    if (now - e.getValue().nanos > graceNanos) {
                        anomalies.add("unanswered " + e.getValue().kind, "session " + id + " request "
                                + e.getKey() + ", " + (now - e.getValue().nanos) / 1_000_000 + " ms old");
                    }
                }
                pending.clear();
                for (Dm dm : dmsIn.values()) {
                    if (now - dm.nanos <= graceNanos) {
                        continue;
                    }
                    dmChecked.increment();
                    if (dm.received || dm.targetGone) {
                        continue;
                    }
                    if (excused(dm.sender, dm.nanos)) {
                        dmExcused.increment();
                        continue;
                    }
                    anomalies.add("direct message lost", "to session " + id + " (" + userId + ") from session "
                            + dm.sender.id + ", sent " + (now - dm.nanos) / 1_000_000 + " ms before the end");
                }
                if (conn == null) {
                    return;
                }
                ends.get(how).increment();
                switch (how) {
                    case LEAVE_THEN_CLOSE -> {
                        for (int room : inRooms) {
                            leavesSent.increment();
                            conn.sendText("{\"message_id\":" + nextMessageId++ + ",\"message_type\":\"leave_room\","
                                    + "\"data\":{\"room_id\":\"" + roomId(room) + "\"}}");
                        }
                        conn.close();
                    }
                    case JOIN_THEN_CLOSE -> {
                        int room = ThreadLocalRandom.current().nextInt(rooms);
                        if (!inRooms.contains(room)) {
                            joinsSent.increment();
                            conn.sendText("{\"message_id\":" + nextMessageId++ + ",\"message_type\":\"join_room\","
                                    + "\"data\":{\"room_id\":\"" + roomId(room) + "\"}}");
                        }
                        conn.close();
                    }
                    case CLOSE_IN_ROOMS -> conn.close();
                    case DROP -> conn.abort();
                    case RESET -> conn.reset();
                    case SERVER -> {
                    }
                }
            }
            agent.reconnectLater(2000);
        }

        /** Counts the messages of a membership it should have received but did not; holds the lock. */
        private void check(Membership m, long end) {
            RoomLog log = roomLogs[m.room];
            synchronized (log) {
                int from = log.firstAfter(m.joinedNanos);
                int to = log.firstAfter(end - graceNanos);
                for (int n = from; n < to; n++) {
                    Session sender = log.senders[n];
                    if (sender == this) {
                        continue;
                    }
                    roomChecked.increment();
                    if (m.got.get(n)) {
                        continue;
                    }
                    if (excused(sender, log.nanos[n])) {
                        roomExcused.increment();
                        continue;
                    }
                    anomalies.add("room message lost", "room " + m.room + " #" + n + " from session " + sender.id
                            + " (ended " + (sender.endNanos == 0 ? "not" : sender.endedAs + " "
                            + (sender.endNanos - log.nanos[n]) / 1_000_000 + " ms after sending") + ") to session "
                            + id + " (joined " + (log.nanos[n] - m.joinedNanos) / 1_000_000
                            + " ms before it was sent, ended " + (end - log.nanos[n]) / 1_000_000 + " ms after)");
                }
            }
        }
    }

    /**
     * A message may be lost without a defect when its sender reset its connection (RST: the server's kernel drops
     * what it had not read) or was closed by the server soon after sending it.
     */
    private boolean excused(Session sender, long sentNanos) {
        long end = sender.endNanos;
        return end != 0 && end - sentNanos < graceNanos && (sender.endedAs == End.RESET
                || sender.endedAs == End.SERVER);
    }

    private void latency(long sentNanos) {
        if (sentNanos != 0) {
            long nanos = System.nanoTime() - sentNanos;
            latency.add(nanos);
            minuteLatency.add(nanos);
        }
    }

    /** A histogram of latencies in milliseconds (1 ms buckets up to 2 minutes). */
    static final class Latencies {
        private final long[] counts = new long[120_001];
        private long n;
        private long max;

        synchronized void add(long nanos) {
            long ms = Math.max(0, nanos / 1_000_000);
            counts[(int) Math.min(ms, counts.length - 1)]++;
            n++;
            max = Math.max(max, ms);
        }

        /** "p50 / p99 / max" in ms, then (with {@code reset}) starts over. */
        synchronized String summary(boolean reset) {
            String s = n == 0 ? "-" : String.format(Locale.ROOT, "%d / %d / %,d", at(0.5), at(0.99), max);
            if (reset) {
                java.util.Arrays.fill(counts, 0);
                n = 0;
                max = 0;
            }
            return s;
        }

        private long at(double q) {
            long rank = (long) Math.ceil(q * n);
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    return i;
                }
            }
            return max;
        }
    }

    private static <K> K randomKey(Map<K, ?> map) {
        int skip = ThreadLocalRandom.current().nextInt(map.size());
        Iterator<K> it = map.keySet().iterator();
        for (int i = 0; i < skip; i++) {
            it.next();
        }
        return it.next();
    }

    static String roomId(int room) {
        return "soak-" + room;
    }

    /** The string value of the first {@code "key":"..."} (no escapes in what this run sends), or null. */
    static String string(String json, String key) {
        String k = "\"" + key + "\":\"";
        int at = json.indexOf(k);
        if (at < 0) {
            return null;
        }
        int from = at + k.length();
        int to = json.indexOf('"', from);
        return to < 0 ? null : json.substring(from, to);
    }

    /** The number of the last {@code "key":N}, -1 if none. */
    static long number(String json, String key) {
        String k = "\"" + key + "\":";
        int at = json.lastIndexOf(k);
        if (at < 0) {
            return -1;
        }
        long v = 0;
        int i = at + k.length();
        boolean any = false;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            v = v * 10 + (json.charAt(i++) - '0');
            any = true;
        }
        return any ? v : -1;
    }

    /** Counts of anomalies by kind, with the first few examples of each. */
    static final class Anomalies {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        private final Map<String, List<String>> examples = new ConcurrentHashMap<>();

        void add(String kind, String example) {
            counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
            List<String> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
            synchronized (list) {
                if (list.size() < 3) {
                    list.add(example.length() > 300 ? example.substring(0, 300) + "..." : example);
                    System.out.printf("%s anomaly: %s: %s%n", Scenarios.now(), kind, list.get(list.size() - 1));
                }
            }
        }

        long total() {
            return counts.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<String, Long> byKind() {
            Map<String, Long> m = new TreeMap<>();
            counts.forEach((k, v) -> m.put(k, v.sum()));
            return m;
        }
    }

    // ---------------------------------------------------------------------------------------------------- the node

    private Map<String, Double> gauges() {
        Map<String, Double> values = new TreeMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(httpBase.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            java.util.Set<String> gaugeNames = new java.util.HashSet<>();
            for (String line : r.body().split("\n")) {
                Matcher t = GAUGE_TYPE.matcher(line);
                if (t.find()) {
                    gaugeNames.add(t.group(1));
                }
            }
            for (String line : r.body().split("\n")) {
                Matcher m = METRIC.matcher(line);
                String name = m.find() ? m.group(1) : "";
                // gauges of state; a timer's _max and _mean are gauges too in the OpenMetrics output, but not state
                if (name.endsWith("_current") || (gaugeNames.contains(name) && !name.endsWith("_max")
                        && !name.endsWith("_mean"))) {
                    String labels = m.group(2) == null ? "" : m.group(2).replace("mp_scope=\"application\"", "")
                            .replace("{}", "").replace("{,", "{");
                    values.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
                }
            }
        } catch (Exception e) {
            values.put("(metrics unreadable: " + e + ")", Double.NaN);
        }
        return values;
    }

    private static double gauge(Map<String, Double> gauges, String name) {
        Double v = gauges.get(name);
        return v == null ? Double.NaN : v;
    }

    private static boolean allZero(Map<String, Double> gauges) {
        return !gauges.isEmpty() && gauges.values().stream().allMatch(v -> v == 0.0);
    }

    private static String shortGauges(Map<String, Double> gauges) {
        StringBuilder s = new StringBuilder();
        gauges.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k.replace("wshub_", "")
                .replace("_current", "")).append(' ').append(Double.isNaN(v) ? "?" : String.format(Locale.ROOT,
                "%.0f", v)));
        return s.toString();
    }

    /** A full GC's live objects ({@code GC.class_histogram}), saved in the run directory. */
    private Heap heap(String label, int connections) throws IOException, InterruptedException {
        String text = Proc.jcmd(pid, "GC.class_histogram");
        Files.writeString(runDir.resolve("histogram-" + label.replaceAll("[^A-Za-z0-9]+", "-") + ".txt"), text);
        Map<String, long[]> byClass = new HashMap<>();
        long total = 0;
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                long[] v = byClass.computeIfAbsent(f[3], k -> new long[2]);
                v[0] += Long.parseLong(f[1]);
                v[1] += Long.parseLong(f[2]);
            } else if (f.length >= 3 && f[0].equals("Total")) {
                total = Long.parseLong(f[2]);
            }
        }
        System.out.printf("%s heap after full GC, %s: %.1f MiB%n", Scenarios.now(), label, total / 1048576.0);
        return new Heap(label, total, connections, byClass);
    }

    private Process startWshub() throws Exception {
        Path war = Path.of(o.get("--wshub-war", "target/wshub.war")).toAbsolutePath();
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: mvn -q package -DskipTests");
        }
        Path jar = payaraJar();
        int port = o.getInt("--port", 18280);
        Path preboot = Path.of(o.get("--preboot", "payara-config/pre-boot-commands.asadmin")).toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + o.get("--xmx", "1g"), "-jar", jar.toString(), "--nocluster", "--contextroot", "/",
                "--port", Integer.toString(port), "--rootdir", runDir.resolve("payara-root").toString()));
        if (Files.isRegularFile(preboot)) {
            command.addAll(List.of("--prebootcommandfile", preboot.toString()));
        }
        command.addAll(List.of("--deploy", war.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        Tokens tokens = new Tokens(runDir);
        pb.environment().put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", tokens.publicKeyFile().toUri().toString());
        pb.environment().put("MP_JWT_VERIFY_ISSUER", Tokens.WSHUB_ISSUER);
        pb.environment().put("WSHUB_BUS", "memory");
        Path log = runDir.resolve("wshub.log");
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
        httpBase = URI.create("http://127.0.0.1:" + port);
        int ready = status("/health/ready");
        System.out.printf("%s wshub %s started on Payara Micro %s, port %d (pid %d), -Xmx%s, /health/ready %d%n",
                Scenarios.now(), war, jar.getFileName(), port, p.pid(), o.get("--xmx", "1g"), ready);
        if (ready != 200) {
            throw new IllegalStateException("wshub is not ready (HTTP " + ready + "); see " + log);
        }
        return p;
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(httpBase.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
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
        System.out.printf("%s stopped the node (pid %d)%n", Scenarios.now(), p.pid());
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

    private static String commit(String repo) {
        try {
            Process git = new ProcessBuilder("git", "-C", repo, "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true).start();
            String sha = new String(git.getInputStream().readAllBytes()).trim();
            return git.waitFor() == 0 ? sha : "(commit unknown)";
        } catch (Exception e) {
            return "(commit unknown)";
        }
    }

    // ---------------------------------------------------------------------------------------------------- report

    private String report(String date, String commit, String command, double churnSeconds, double churnCpuPct,
                          List<Sample> samples, Heap start, Heap atHeapMinute, Heap atEnd, Heap idle,
                          int threadsStart, long rssIdle, Map<String, Double> gaugesBefore,
                          Map<String, Double> gaugesAfter, Map<String, Double> gaugesAt10, double zeroAfter,
                          long stillOpen, List<String> severe,
                          List<String> warning, String dumpAtHeapMinute, String dumpAtEnd, int threadsClosed,
                          String dumpClosed) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Soak run %s%n%n", date));
        md.append(String.format(Locale.ROOT, "- Commit: %s; node %s%s; %d cores; Java %s%n", commit, ws,
                node == null ? " (given)" : " (started by the run: Payara Micro " + PAYARA_VERSION + ", -Xmx"
                        + o.get("--xmx", "1g") + ", --nocluster, memory bus)",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        md.append("- Command: `").append(command).append("`\n");
        md.append(String.format(Locale.ROOT, "- Load: %,d clients (about that many connections live), %d rooms, "
                        + "sessions of %d-%d s, an action every %,d ms per client on average, %.1f minutes of churn; "
                        + "run directory %s%n%n", clients, rooms, sessionMin, sessionMax, actionMs, churnSeconds / 60,
                runDir));

        double heapDelta = atHeapMinute == null || atEnd == null ? Double.NaN
                : 100.0 * (atEnd.bytes - atHeapMinute.bytes) / atHeapMinute.bytes;
        Sample first = samples.stream().filter(s -> s.minute == heapMinute).findFirst().orElse(null);
        Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        int threadGrowth = first == null || last == null ? 0 : last.threads - first.threads;
        int threadsMin = samples.stream().filter(s -> s.minute >= heapMinute).mapToInt(Sample::threads).min()
                .orElse(0);
        int threadsMax = samples.stream().filter(s -> s.minute >= heapMinute).mapToInt(Sample::threads).max()
                .orElse(0);
        boolean gaugesZero = allZero(gaugesAfter);
        long anomalyCount = anomalies.total();

        md.append("| measure | value | verdict |\n|---|---|---|\n");
        if (atHeapMinute != null && atEnd != null) {
            md.append(String.format(Locale.ROOT, "| heap after full GC, %s | %.1f MiB | |%n", atHeapMinute.label,
                    atHeapMinute.bytes / 1048576.0));
            md.append(String.format(Locale.ROOT, "| heap after full GC, %s | %.1f MiB (%+.1f%%) | %s |%n",
                    atEnd.label, atEnd.bytes / 1048576.0, heapDelta, Math.abs(heapDelta) <= 5 ? "ok (within 5%)"
                            : "**grew more than 5%**"));
        }
        if (start != null && idle != null) {
            md.append(String.format(Locale.ROOT, "| heap after full GC, before the churn / after every client "
                    + "closed (0 connections) | %.1f / %.1f MiB | |%n", start.bytes / 1048576.0, idle.bytes
                    / 1048576.0));
        }
        md.append(String.format(Locale.ROOT, "| live threads, minute %d..%d (min / max); before the churn / after "
                        + "every client closed | %d / %d; %d / %d | %s |%n", heapMinute, minutes, threadsMin,
                threadsMax, threadsStart, threadsClosed, threadGrowth <= 3 ? "ok (flat: minute " + minutes + " vs "
                        + heapMinute + " " + String.format(Locale.ROOT, "%+d", threadGrowth) + ")" : "**growing**"));
        md.append(String.format(Locale.ROOT, "| RSS, minute 1 / %d; after close | %d / %d MiB; %d MiB | |%n",
                minutes, samples.isEmpty() ? 0 : samples.get(0).rssMib, last == null ? 0 : last.rssMib, rssIdle));
        md.append(String.format(Locale.ROOT, "| server CPU over the churn (mean) | %.0f%% of a core | %s |%n",
                churnCpuPct, churnCpuPct < 60 ? "ok (well under a core)" : "**high**"));
        boolean zeroSoon = gaugesZero && zeroAfter <= 10;
        md.append(String.format(Locale.ROOT, "| wshub gauges after every client closed: %s | %s | %s |%n",
                gaugesZero ? String.format(Locale.ROOT, "all 0 %.1f s after the last close", zeroAfter)
                        : String.format(Locale.ROOT, "still not 0 after %.0f s", zeroAfter),
                gaugesAt10 == null ? plain(gaugesAfter) : "at 10 s: " + plain(gaugesAt10) + "; at the end: "
                        + plain(gaugesAfter), zeroSoon ? "ok (all 0)" : "**not 0 within 10 s**"));
        md.append(String.format(Locale.ROOT, "| client anomalies | %,d | %s |%n", anomalyCount,
                anomalyCount == 0 ? "ok" : "**see below**"));
        md.append(String.format(Locale.ROOT, "| latency of deliveries and replies, p50 / p99 / max (grace %d s) | "
                + "%s ms | |%n", TimeUnit.NANOSECONDS.toSeconds(graceNanos), latency.summary(false)));
        if (node != null) {
            md.append(String.format(Locale.ROOT, "| node log during the run: SEVERE / WARNING | %d / %d | %s |%n",
                    severe.size(), warning.size(), severe.isEmpty() && warning.isEmpty() ? "ok"
                            : "**see below**"));
        }
        if (stillOpen > 0) {
            md.append(String.format(Locale.ROOT, "| client connections not closed 30 s after the end (aborted) | "
                    + "%d | **see below** |%n", stillOpen));
        }

        md.append(String.format(Locale.ROOT, "%nActivity: %,d connections opened (%,d attempts, and %,d abandoned "
                        + "right after the upgrade request); ends: %s; "
                        + "%,d joins sent (%,d answered), %,d leaves; %,d room messages sent, %,d deliveries, %,d "
                        + "deliveries checked (receiver surely a member), %,d excused (sender reset right after); "
                        + "%,d direct messages sent, %,d received, %,d checked, %,d excused, %,d answered 4001 "
                        + "because the target had gone; %,d echoes, %,d pings; %,d replies%n",
                connects.sum(), attempts.sum(), abandoned.sum(), endsSummary(), joinsSent.sum(), joinsAnswered.sum(),
                leavesSent.sum(), roomSent.sum(), roomReceived.sum(), roomChecked.sum(), roomExcused.sum(),
                dmSent.sum(), dmReceived.sum(), dmChecked.sum(), dmExcused.sum(), dmTargetGone.sum(), echoes.sum(),
                pings.sum(), replies.sum()));

        md.append("\nEvery minute:\n\n| minute | live clients | server gauges | threads | RSS MiB | server CPU | "
                + "load generator CPU | other CPU | connects | room msgs | deliveries | DMs | latency p50 / p99 / max "
                + "ms | anomalies (cumulative) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Sample s : samples) {
            md.append(String.format(Locale.ROOT, "| %d | %,d | %s | %d | %d | %.0f%% | %.0f%% | %.0f%% | %,d | %,d "
                            + "| %,d | %,d | %s | %,d |%n", s.minute, s.live, shortGauges(s.gauges), s.threads,
                    s.rssMib, s.serverCpuPct, s.selfCpuPct, s.otherCpuPct, s.connects, s.roomSent, s.roomReceived,
                    s.dmSent, s.latency, s.anomalies));
        }

        if (atHeapMinute != null && atEnd != null) {
            md.append(String.format(Locale.ROOT, "%nClasses that grew most between %s and %s (live bytes, "
                    + "instances):%n%n", atHeapMinute.label, atEnd.label));
            md.append(growth(atHeapMinute, atEnd, 12));
        }
        if (start != null && idle != null) {
            md.append(String.format(Locale.ROOT, "%nClasses that grew most between %s and %s:%n%n", start.label,
                    idle.label));
            md.append(growth(start, idle, 12));
        }
        if (dumpAtHeapMinute != null && dumpAtEnd != null) {
            String diff = threadGroupDiff(dumpAtHeapMinute, dumpAtEnd);
            md.append(String.format(Locale.ROOT, "%nThreads by name (digits folded) whose count changed between "
                    + "minute %d and %d: %s%n", heapMinute, minutes, diff.isEmpty() ? "none" : diff));
        }
        if (dumpAtEnd != null && dumpClosed != null) {
            String diff = threadGroupDiff(dumpAtEnd, dumpClosed);
            md.append(String.format(Locale.ROOT, "%nThreads by name whose count changed between minute %d and after "
                    + "every client closed: %s%n", minutes, diff.isEmpty() ? "none" : diff));
        }
        if (anomalyCount > 0) {
            md.append("\nAnomalies:\n\n");
            anomalies.byKind().forEach((kind, n) -> {
                md.append(String.format(Locale.ROOT, "- %s: %,d%n", kind, n));
                for (String e : anomalies.examples.getOrDefault(kind, List.of())) {
                    md.append("  - `").append(e.replace('`', '\'')).append("`\n");
                }
            });
        }
        if (!severe.isEmpty() || !warning.isEmpty()) {
            md.append("\nNode log during the run (distinct, first 10 of each):\n\n");
            appendLogLines(md, "SEVERE", severe);
            appendLogLines(md, "WARNING", warning);
        }
        md.append(String.format(Locale.ROOT, "%nGauges before the run: %s%n", gaugesBefore));
        return md.toString();
    }

    private static String plain(Map<String, Double> gauges) {
        return gauges.isEmpty() ? "none read" : gauges.toString().replaceAll("[{}]", "").replace("=", " ")
                .replace(".0,", ",").replaceAll("\\.0$", "");
    }

    private String endsSummary() {
        StringBuilder s = new StringBuilder();
        for (End e : End.values()) {
            s.append(s.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT).replace('_', ' '))
                    .append(' ').append(String.format(Locale.ROOT, "%,d", ends.get(e).sum()));
        }
        return s.toString();
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

    private static String growth(Heap before, Heap after, int top) {
        List<Map.Entry<String, long[]>> grown = new ArrayList<>();
        after.histogram.forEach((k, v) -> {
            long[] b = before.histogram.getOrDefault(k, new long[2]);
            grown.add(Map.entry(k, new long[]{v[0] - b[0], v[1] - b[1]}));
        });
        before.histogram.forEach((k, b) -> {
            if (!after.histogram.containsKey(k)) {
                grown.add(Map.entry(k, new long[]{-b[0], -b[1]}));
            }
        });
        grown.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        StringBuilder s = new StringBuilder("| class | bytes | instances |\n|---|---|---|\n");
        for (int i = 0; i < Math.min(top, grown.size()); i++) {
            s.append(String.format(Locale.ROOT, "| %s | %+,d | %+,d |%n", grown.get(i).getKey(),
                    grown.get(i).getValue()[1], grown.get(i).getValue()[0]));
        }
        return s.toString();
    }

    /** Thread names with digits folded to #, counted in each dump; the groups whose count changed. */
    static String threadGroupDiff(String before, String after) {
        Map<String, Integer> b = threadGroups(before);
        Map<String, Integer> a = threadGroups(after);
        StringBuilder s = new StringBuilder();
        java.util.Set<String> names = new java.util.TreeSet<>(b.keySet());
        names.addAll(a.keySet());
        for (String name : names) {
            int x = b.getOrDefault(name, 0);
            int y = a.getOrDefault(name, 0);
            if (x != y) {
                s.append(s.length() == 0 ? "" : ", ").append('"').append(name).append("\" ").append(x).append(" -> ")
                        .append(y);
            }
        }
        return s.toString();
    }

    static Map<String, Integer> threadGroups(String dump) {
        Map<String, Integer> groups = new TreeMap<>();
        for (String line : dump.split("\n")) {
            if (line.startsWith("\"")) {
                int end = line.indexOf('"', 1);
                if (end > 0) {
                    groups.merge(line.substring(1, end).replaceAll("\\d+", "#"), 1, Integer::sum);
                }
            }
        }
        return groups;
    }
}
