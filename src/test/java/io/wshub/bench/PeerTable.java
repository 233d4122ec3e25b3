package io.wshub.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The whole table of shared/peer-figures.md in one run: starts the GoHub peer, runs every scenario against it, stops
 * it; starts wshub on Payara Micro, warms it up, runs every scenario, stops it; prints scenario | GoHub | wshub |
 * ratio wshub/GoHub (server CPU per operation unless the row says otherwise). The servers never run at the same
 * time: they share the machine's cores with the load generator. With {@code --rounds N} (N > 1) both are up at once
 * and each scenario runs on one right after the other, N times: a table of the rounds' ratios and their median, then
 * each round's table (see {@link #interleaved}).
 * <pre>
 * mvn -q -DskipTests package exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.bench.PeerTable \
 *     -Dexec.args="--warmup 180"
 * </pre>
 * Options: {@code --warmup S} (wshub, default 180), {@code --gohub-warmup S} (15: GoHub needs none, but the load
 * generator's own JIT does, and GoHub runs first), {@code --wshub-war}
 * (target/wshub.war), {@code --gohub} (../shared/peers/gohub-peer), {@code --payara-jar} (target/ or the local Maven
 * repository, fetched with {@code mvn dependency:copy} if absent), {@code --xmx} (2g), {@code --jvm "OPTIONS"} (more JVM
 * options for wshub, split on spaces), {@code --wshub-port} (18180),
 * {@code --gohub-port} (18190), {@code --servers gohub,wshub}, {@code --scenarios connect,burst,...} (also
 * {@code fanout-max:gohub}, {@code :jsonrpc}, {@code :gows}, {@code :sse}: the room fan-out with members of that wire
 * format, tabled per format with the ratio to GoHub's), {@code --format-warmup S} (before each of those, that format's
 * own fan-out again and again for S seconds, default 0), the sizes of
 * {@link Scenarios} ({@code --burst-clients}, {@code --fanout-clients}, {@code --idle-clients}, ...), and
 * {@code --rounds N} (1), {@code --out FILE} for the markdown (default: the run directory under /tmp).
 */
public final class PeerTable {

    private static final String PAYARA_VERSION = "6.2025.10";

    private final Options options;
    private final Path runDir;
    private final List<Process> started = new ArrayList<>();

    private PeerTable(Options options) throws IOException {
        this.options = options;
        runDir = Path.of(options.get("--run-dir", "/tmp/wshub-peer-table-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        Files.createDirectories(runDir);
    }

    public static void main(String[] args) throws Exception {
        PeerTable table = new PeerTable(new Options(args));
        Runtime.getRuntime().addShutdownHook(new Thread(table::stopAll));
        int code;
        try {
            code = table.run();
        } finally {
            table.stopAll();
        }
        System.exit(code);
    }

    private int run() throws Exception {
        List<String> servers = Arrays.asList(options.get("--servers", "gohub,wshub").split(","));
        List<String> scenarios = Arrays.asList(options.get("--scenarios", String.join(",", Scenarios.ALL)).split(","));
        int rounds = options.getInt("--rounds", 1);
        String started = LocalDateTime.now().withNano(0).toString();
        System.out.printf("peer table: servers %s, scenarios %s, %s, run directory %s%n", servers, scenarios,
                rounds > 1 ? rounds + " interleaved rounds" : "one server after the other", runDir);
        String markdown;
        try (WsClient client = new WsClient(options.getInt("--client-threads", 2))) {
            markdown = rounds > 1 ? interleaved(client, servers, scenarios, rounds, started)
                    : table(oneAfterTheOther(client, servers, scenarios), started);
        }
        System.out.println();
        System.out.println(markdown);
        Path out = Path.of(options.get("--out", runDir.resolve("table.md").toString()));
        Files.writeString(out, markdown);
        System.out.println("written to " + out);
        return 0;
    }

    /** A server under test: its process and how the load generator reaches it. */
    private record Server(String name, Process process, Target target) {
    }

    private Server startServer(String server) throws Exception {
        if (server.equals("gohub")) {
            Process process = startGohub();
            return new Server(server, process, gohubTarget(process.pid(), options.getInt("--gohub-port", 18190)));
        }
        if (server.equals("wshub")) {
            Tokens tokens = new Tokens(runDir);
            Process process = startWshub(tokens);
            return new Server(server, process, new Target("wshub", Target.Flavor.WSHUB,
                    URI.create("ws://127.0.0.1:" + options.getInt("--wshub-port", 18180) + "/ws"),
                    new long[]{process.pid()}, tokens.admin(), null, null));
        }
        throw new IllegalArgumentException("servers are gohub and wshub, not " + server);
    }

    private void warm(Scenarios s, String server) throws Exception {
        s.warmup(options.getInt(server.equals("wshub") ? "--warmup" : "--gohub-warmup",
                server.equals("wshub") ? 180 : 15));
    }

    /** One scenario on one server; null (and said why) if it failed. */
    private Scenarios.Result runScenario(Scenarios s, String scenario) {
        try {
            if (scenario.startsWith("fanout-max:")) {
                s.warmupFanout(MemberFormat.of(scenario.substring(scenario.indexOf(':') + 1)),
                        options.getInt("--format-warmup", 0));
            }
            return s.run(scenario);
        } catch (Exception e) {
            System.out.println("    " + scenario + " failed: " + e);
            e.printStackTrace(System.out);
            return null;
        }
    }

    /** Each server alone on the machine: started, warmed, every scenario, stopped; then the next. */
    private Map<String, Map<String, Scenarios.Result>> oneAfterTheOther(WsClient client, List<String> servers,
                                                                        List<String> scenarios) throws Exception {
        Map<String, Map<String, Scenarios.Result>> results = new LinkedHashMap<>();
        for (String name : servers) {
            Map<String, Scenarios.Result> byScenario = new LinkedHashMap<>();
            results.put(name, byScenario);
            Server server;
            try {
                server = startServer(name);
            } catch (Exception e) {
                System.out.println("could not start " + name + ": " + e.getMessage());
                continue;
            }
            try {
                Scenarios s = new Scenarios(client, server.target(), options);
                warm(s, name);
                for (String scenario : scenarios) {
                    Scenarios.Result r = runScenario(s, scenario);
                    if (r != null) {
                        byScenario.put(scenario, r);
                    }
                    if (!server.process().isAlive()) {
                        System.out.println(name + " died; see " + runDir);
                        break;
                    }
                }
                if (name.equals("wshub")) {
                    reportSevere(runDir.resolve("wshub.log"), "during the run");
                }
            } finally {
                stop(server.process());
            }
        }
        return results;
    }

    /**
     * Both servers up at once (the idle one costs next to nothing), both warmed; then, {@code rounds} times, each
     * scenario on one server right after the other (GoHub first in odd rounds, wshub first in even ones). This
     * machine's speed drifts by +-25% over minutes, so a ratio of two figures measured a minute apart is worth more
     * than one of figures measured ten minutes apart; the median of the rounds' ratios is the figure to quote.
     */
    private String interleaved(WsClient client, List<String> servers, List<String> scenarios, int rounds,
                               String startedAt) throws Exception {
        List<Server> up = new ArrayList<>();
        Map<String, Scenarios> drivers = new LinkedHashMap<>();
        for (String name : servers) {
            Server server = startServer(name);
            up.add(server);
            drivers.put(name, new Scenarios(client, server.target(), options));
        }
        List<Map<String, Map<String, Scenarios.Result>>> byRound = new ArrayList<>();
        try {
            for (Server server : up) {
                warm(drivers.get(server.name()), server.name());
            }
            for (int round = 1; round <= rounds; round++) {
                Map<String, Map<String, Scenarios.Result>> results = new LinkedHashMap<>();
                up.forEach(server -> results.put(server.name(), new LinkedHashMap<>()));
                byRound.add(results);
                List<Server> order = new ArrayList<>(up);
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String scenario : scenarios) {
                    for (Server server : order) {
                        if (!server.process().isAlive()) {
                            throw new IllegalStateException(server.name() + " died; see " + runDir);
                        }
                        System.out.printf("round %d of %d: %s on %s%n", round, rounds, scenario, server.name());
                        Scenarios.Result r = runScenario(drivers.get(server.name()), scenario);
                        if (r != null) {
                            results.get(server.name()).put(scenario, r);
                        }
                    }
                }
            }
            if (servers.contains("wshub")) {
                reportSevere(runDir.resolve("wshub.log"), "during the run");
            }
        } finally {
            up.forEach(server -> stop(server.process()));
        }
        StringBuilder md = new StringBuilder(ratiosByRound(byRound, startedAt));
        for (int round = 1; round <= byRound.size(); round++) {
            md.append(String.format(Locale.ROOT, "%n### Round %d of %d%n%n", round, rounds))
                    .append(table(byRound.get(round - 1), startedAt + ", round " + round + " of " + rounds));
        }
        return md.toString();
    }

    /** Per figure: the ratio wshub/GoHub of each round and their median. */
    private String ratiosByRound(List<Map<String, Map<String, Scenarios.Result>>> byRound, String startedAt) {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Ratio wshub/GoHub per interleaved round, %s "
                + "(both servers up, each scenario on one right after the other; the rounds' tables follow)%n%n"
                + "| figure |", startedAt));
        for (int round = 1; round <= byRound.size(); round++) {
            md.append(" round ").append(round).append(" |");
        }
        md.append(" median |\n|---|").append("---|".repeat(byRound.size() + 1)).append('\n');
        for (Row row : rows()) {
            if (!row.ratio) {
                continue;
            }
            List<Double> ratios = new ArrayList<>();
            StringBuilder cells = new StringBuilder();
            for (Map<String, Map<String, Scenarios.Result>> results : byRound) {
                double ratio = ratio(row, results.getOrDefault("gohub", Map.of()).get(row.scenario),
                        results.getOrDefault("wshub", Map.of()).get(row.scenario));
                cells.append(Double.isNaN(ratio) ? " - |" : String.format(Locale.ROOT, " %.2f |", ratio));
                if (!Double.isNaN(ratio)) {
                    ratios.add(ratio);
                }
            }
            if (ratios.isEmpty() && byRound.stream().noneMatch(r -> r.values().stream()
                    .anyMatch(m -> m.containsKey(row.scenario)))) {
                continue; // scenario not run
            }
            Collections.sort(ratios);
            int n = ratios.size();
            String median = n == 0 ? "-" : String.format(Locale.ROOT, "%.2f",
                    n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2);
            md.append("| ").append(row.label).append(" |").append(cells).append(' ').append(median).append(" |\n");
        }
        return md.toString();
    }

    /** wshub's figure over GoHub's, NaN where there is no fair ratio (a burst join whose wait ended, say). */
    private static double ratio(Row row, Scenarios.Result g, Scenarios.Result w) {
        if (!row.ratio || g == null || w == null) {
            return Double.NaN;
        }
        if (row.key.equals("joinSeconds") && (g.get("allJoined") != 1 || w.get("allJoined") != 1)) {
            return Double.NaN;
        }
        double gv = g.get(row.key);
        double wv = w.get(row.key);
        return Double.isNaN(gv) || Double.isNaN(wv) || gv == 0 ? Double.NaN : wv / gv;
    }

    // ---------------------------------------------------------------------------------------------------- servers

    private Target gohubTarget(long pid, int port) {
        return new Target("GoHub", Target.Flavor.GOHUB, URI.create("ws://127.0.0.1:" + port + "/ws"), new long[]{pid},
                null, options.get("--gohub-secret", "bench-secret"), options.get("--gohub-issuer", "gohub"));
    }

    private Process startGohub() throws Exception {
        Path binary = Path.of(options.get("--gohub", "../shared/peers/gohub-peer")).toAbsolutePath().normalize();
        int port = options.getInt("--gohub-port", 18190);
        Process p = start(new ProcessBuilder(binary.toString(), "-addr", "127.0.0.1:" + port,
                "-secret", options.get("--gohub-secret", "bench-secret")), "gohub.log");
        Target probe = gohubTarget(p.pid(), port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (probe.status("/health") != 200) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("GoHub did not start; see " + runDir.resolve("gohub.log"));
            }
            Thread.sleep(100);
        }
        System.out.printf("%s GoHub %s started on port %d (pid %d)%n", Scenarios.now(), binary, port, p.pid());
        return p;
    }

    private Process startWshub(Tokens tokens) throws Exception {
        Path war = Path.of(options.get("--wshub-war", "target/wshub.war")).toAbsolutePath();
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: mvn -q package -DskipTests");
        }
        Path jar = payaraJar();
        int port = options.getInt("--wshub-port", 18180);
        Path preboot = Path.of(options.get("--preboot", "payara-config/pre-boot-commands.asadmin")).toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + options.get("--xmx", "2g")));
        command.addAll(options.words("--jvm"));
        command.addAll(List.of("-jar", jar.toString(), "--nocluster", "--contextroot", "/",
                "--port", Integer.toString(port)));
        if (Files.isRegularFile(preboot)) {
            command.addAll(List.of("--prebootcommandfile", preboot.toString()));
        }
        command.addAll(List.of("--deploy", war.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", tokens.publicKeyFile().toUri().toString());
        pb.environment().put("MP_JWT_VERIFY_ISSUER", Tokens.WSHUB_ISSUER);
        // --wshub-env KEY=VALUE,KEY=VALUE: settings of the run (the bus, history, ...)
        for (String setting : options.get("--wshub-env", "").split(",")) {
            if (setting.contains("=")) {
                pb.environment().put(setting.substring(0, setting.indexOf('=')),
                        setting.substring(setting.indexOf('=') + 1));
            }
        }
        Path log = runDir.resolve("wshub.log");
        Process p = start(pb, "wshub.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.getInt("--start-timeout", 300));
        while (!Files.readString(log).contains("ready in")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("wshub did not start; see " + log);
            }
            Thread.sleep(500);
        }
        if (reportSevere(log, "at startup")) {
            throw new IllegalStateException("wshub logged SEVERE at startup; see " + log);
        }
        Target probe = new Target("wshub", Target.Flavor.WSHUB, URI.create("ws://127.0.0.1:" + port + "/ws"),
                new long[]{p.pid()}, null, null, null);
        int ready = probe.status("/health/ready");
        System.out.printf("%s wshub %s started on Payara Micro %s, port %d (pid %d), /health/ready %d%n",
                Scenarios.now(), war, jar.getFileName(), port, p.pid(), ready);
        if (ready != 200) {
            throw new IllegalStateException("wshub is not ready (HTTP " + ready + "); see " + log);
        }
        return p;
    }

    /** Prints the SEVERE lines of the log; true if there were any. */
    private static boolean reportSevere(Path log, String when) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> severe = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("SEVERE")) {
                severe.add(lines.get(i) + (i + 1 < lines.size() ? " | " + lines.get(i + 1).trim() : ""));
            }
        }
        if (!severe.isEmpty()) {
            System.out.printf("    wshub logged %d SEVERE line(s) %s, e.g.:%n", severe.size(), when);
            severe.stream().distinct().limit(5).forEach(s -> System.out.println("      " + abbreviate(s, 400)));
        }
        return !severe.isEmpty();
    }

    private Path payaraJar() throws Exception {
        String given = options.get("--payara-jar", null);
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        String name = "payara-micro-" + PAYARA_VERSION + ".jar";
        for (Path candidate : List.of(Path.of("target", name), Path.of("target", "payara-micro.jar"),
                Path.of(System.getProperty("user.home"), ".m2", "repository", "fish", "payara", "extras",
                        "payara-micro", PAYARA_VERSION, name), runDir.resolve(name))) {
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

    private Process start(ProcessBuilder pb, String logName) throws IOException {
        pb.redirectErrorStream(true).redirectOutput(runDir.resolve(logName).toFile());
        Process p = pb.start();
        synchronized (started) {
            started.add(p);
        }
        return p;
    }

    private void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        System.out.printf("%s stopped pid %d%n", Scenarios.now(), p.pid());
    }

    private void stopAll() {
        List<Process> copy;
        synchronized (started) {
            copy = new ArrayList<>(started);
            started.clear();
        }
        for (Process p : copy) {
            if (p.isAlive()) {
                stop(p);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- table

    /** One line of the table: a figure of one scenario, how to show it, and what to add beside it. */
    private record Row(String label, String scenario, String key, String format, boolean ratio,
                       Function<Scenarios.Result, String> detail) {
    }

    private List<Row> rows() {
        Options o = options;
        int burst = o.getInt("--burst-clients", 10_000);
        int burstMessages = o.getInt("--burst-messages", 50);
        int fanout = o.getInt("--fanout-clients", 1000);
        int fanoutMessages = o.getInt("--fanout-messages", 1000);
        int bcClients = o.getInt("--broadcast-clients", 1000);
        int bcs = o.getInt("--broadcasts", 200);
        int echo = o.getInt("--echo-clients", 100);
        int seconds = o.getInt("--seconds", 10);
        int connect = o.getInt("--connect-clients", 10_000);
        int idle = Math.max(connect, o.getInt("--idle-clients", 19_000));
        return List.of(
                new Row(String.format(Locale.ROOT, "burst join: %,d join_room at once, time until all joined",
                        burst + 1), "burst", "joinSeconds", "%.2f s", true, r -> String.format(Locale.ROOT,
                        "%s%,d of %,d joined", r.get("allJoined") == 1 ? "" : "wait ended: ", (long) r.get("joined"),
                        (long) r.get("joinTarget"))),
                new Row("burst join: connections closed by the server", "burst", "closedByServer", "%.0f", false,
                        r -> ""),
                new Row(String.format(Locale.ROOT, "fan-out %,d @%d/s x %d: server CPU per delivery", burst,
                        o.getInt("--burst-rate", 10), burstMessages), "burst", "fanUsPerDelivery", "%.1f us", true,
                        r -> String.format(Locale.ROOT, "%,d of %,d delivered, p50 %.2f s, p99 %.2f s; %s",
                                (long) r.get("fanDelivered"), (long) r.get("fanExpected"), r.get("fanP50Ms") / 1e3,
                                r.get("fanP99Ms") / 1e3, correctness(r))),
                new Row(String.format(Locale.ROOT, "fan-out %,d @%d/s: p99 latency", burst,
                        o.getInt("--burst-rate", 10)), "burst", "fanP99Ms", "%.0f ms", true, r -> ""),
                new Row(String.format(Locale.ROOT, "room fan-out %,d members, %,d messages max: server CPU per delivery",
                        fanout, fanoutMessages), "fanout-max", "usPerDelivery", "%.2f us", true, this::deliveries),
                new Row(String.format(Locale.ROOT, "admin broadcast %,d clients x %d: server CPU per delivery",
                        bcClients, bcs), "broadcast", "usPerDelivery", "%.1f us", true, this::deliveries),
                new Row(String.format(Locale.ROOT, "echo K=%d, %d s: server CPU per request", echo, seconds),
                        "echo-loop", "usPerRequest", "%.1f us", true, PeerTable::requests),
                new Row(String.format(Locale.ROOT, "echo K=1 (ping), %d s: p50 round trip", seconds), "ping", "p50Ms",
                        "%.3f ms", true, r -> String.format(Locale.ROOT, "%,.0f req/s, p99 %.2f ms, %.0f us/req; %s",
                        r.get("perSecond"), r.get("p99Ms"), r.get("usPerRequest"), correctness(r))),
                new Row(String.format(Locale.ROOT, "connect %,d (%d in flight) + hold %d s: server CPU per connection",
                        connect, o.getInt("--in-flight", 200), o.getInt("--hold", 3)), "connect", "msPerConn",
                        "%.2f ms", true, r -> String.format(Locale.ROOT,
                        "%,.0f conn/s, handshake p50 %.0f ms, p99 %.0f ms, %,d connected, %,d failed, %,d closed",
                        r.get("connPerSecond"), r.get("handshakeP50Ms"), r.get("handshakeP99Ms"),
                        (long) r.get("connected"), (long) r.get("failed"), (long) r.get("closedByServer"))),
                new Row(String.format(Locale.ROOT, "connect: server CPU per connection in the slice at %,d", idle),
                        "connect", "slice" + (idle / 1000) + "k", "%.2f ms", true, r -> String.format(Locale.ROOT,
                        "1k %.2f, %dk %.2f, %dk %.2f ms", r.get("slice1k"), Math.min(10, idle / 1000),
                        r.get("slice" + Math.min(10, idle / 1000) + "k"), idle / 1000, r.get("slice" + idle / 1000 + "k"))),
                new Row(String.format(Locale.ROOT, "memory: RSS growth per idle connection at %,d", idle), "connect",
                        "rssKibPerConn", "%.1f KiB", true, r -> String.format(Locale.ROOT,
                        "%,d idle, RSS %.0f -> %.0f MiB", (long) r.get("idle"), r.get("rssBeforeMib"),
                        r.get("rssAfterMib"))),
                new Row(String.format(Locale.ROOT, "memory: live heap per idle connection after full GC at %,d", idle),
                        "connect", "heapBytesPerConn", "%,.0f B", false, r -> Double.isNaN(r.get("heapLiveMib"))
                        ? "" : String.format(Locale.ROOT, "live heap %.0f MiB", r.get("heapLiveMib"))));
    }

    private String deliveries(Scenarios.Result r) {
        return String.format(Locale.ROOT, "%,d of %,d delivered, %,.0f/s, p50 %.1f ms, p99 %.1f ms; %s",
                (long) r.get("delivered"), (long) r.get("expected"), r.get("perSecond"), r.get("p50Ms"),
                r.get("p99Ms"), correctness(r));
    }

    private static String requests(Scenarios.Result r) {
        return String.format(Locale.ROOT, "%,.0f req/s, p50 %.2f ms, p99 %.2f ms; %s", r.get("perSecond"),
                r.get("p50Ms"), r.get("p99Ms"), correctness(r));
    }

    private static String correctness(Scenarios.Result r) {
        long lost = (long) r.get("lost");
        long dup = (long) r.get("dup");
        long order = (long) r.get("order");
        return lost == 0 && dup == 0 && order == 0 ? "none lost, duplicated or out of order"
                : String.format(Locale.ROOT, "lost %,d, duplicated %,d, out of order %,d", lost, dup, order);
    }

    private String table(Map<String, Map<String, Scenarios.Result>> results, String startedAt) {
        Map<String, Scenarios.Result> gohub = results.getOrDefault("gohub", Map.of());
        Map<String, Scenarios.Result> wshub = results.getOrDefault("wshub", Map.of());
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Peer table, %s: wshub %s (Payara Micro %s, -Xmx%s%s, warm-up %d s), "
                        + "GoHub peer %s (warm-up %d s); server CPU = utime+stime from /proc over the measured window / "
                        + "operations counted in it%n%n", startedAt, options.get("--commit", commit()), PAYARA_VERSION,
                options.get("--xmx", "2g"),
                options.words("--jvm").stream().map(option -> " " + option).collect(Collectors.joining()),
                options.getInt("--warmup", 180),
                options.get("--gohub", "../shared/peers/gohub-peer"), options.getInt("--gohub-warmup", 15)));
        md.append("| scenario | GoHub | wshub | ratio wshub/GoHub |\n|---|---|---|---|\n");
        for (Row row : rows()) {
            Scenarios.Result g = gohub.get(row.scenario);
            Scenarios.Result w = wshub.get(row.scenario);
            if (g == null && w == null) {
                continue; // a run of some scenarios (the per-format fan-out) lists only those
            }
            double gv = g == null ? Double.NaN : g.get(row.key);
            double wv = w == null ? Double.NaN : w.get(row.key);
            double r = ratio(row, g, w);
            String ratio = Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2f", r);
            md.append("| ").append(row.label).append(" | ").append(cell(row, g, gv)).append(" | ")
                    .append(cell(row, w, wv)).append(" | ").append(ratio).append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "| correctness: messages lost / duplicated / out of order, all scenarios"
                + " | %s | %s | - |%n", totals(gohub), totals(wshub)));
        md.append(String.format(Locale.ROOT, "| noise: CPU of other processes during the measured windows, mean / max"
                + " (%% of a core; the machine has %d) | %s | %s | - |%n", Runtime.getRuntime().availableProcessors(),
                noise(gohub), noise(wshub)));
        md.append(formats(wshub));
        md.append("\nDetails:\n");
        results.forEach((server, byScenario) -> byScenario.forEach((scenario, r) -> {
            md.append("- ").append(server).append(' ').append(scenario).append(":\n");
            r.notes.forEach(n -> md.append("  - ").append(n).append('\n'));
        }));
        return md.toString();
    }

    /**
     * The fan-out per member format (scenarios {@code fanout-max:<format>}): server CPU per delivery and its ratio to
     * the GoHub format's; empty if none ran.
     */
    private String formats(Map<String, Scenarios.Result> wshub) {
        Scenarios.Result gohub = wshub.get("fanout-max:gohub");
        double base = gohub == null ? Double.NaN : gohub.get("usPerDelivery");
        StringBuilder md = new StringBuilder();
        for (MemberFormat f : MemberFormat.values()) {
            Scenarios.Result r = wshub.get("fanout-max:" + f.label);
            if (r == null) {
                continue;
            }
            if (md.length() == 0) {
                md.append(String.format(Locale.ROOT, "%nRoom fan-out per member format (%,d members, %,d messages, "
                                + "the sender a GoHub client; warm-up %d s of the mix, then %d s of each format's own "
                                + "fan-out before it):%n%n| members' format | server CPU per delivery | ratio to GoHub "
                                + "| members with every message once | details |%n|---|---|---|---|---|%n",
                        options.getInt("--fanout-clients", 1000), options.getInt("--fanout-messages", 1000),
                        options.getInt("--warmup", 180), options.getInt("--format-warmup", 0)));
            }
            double v = r.get("usPerDelivery");
            md.append(String.format(Locale.ROOT, "| %s | %.2f us | %s | %,d | %s |%n", f.label, v,
                    Double.isNaN(base) || Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v / base),
                    (long) r.get("membersComplete"), deliveries(r)));
        }
        return md.toString();
    }

    private static String cell(Row row, Scenarios.Result r, double v) {
        if (r == null) {
            return "not run";
        }
        if (Double.isNaN(v)) {
            return "n/a";
        }
        String detail = row.detail.apply(r);
        return "**" + String.format(Locale.ROOT, row.format, v) + "**" + (detail.isEmpty() ? "" : " (" + detail + ")");
    }

    private static String totals(Map<String, Scenarios.Result> results) {
        if (results.isEmpty()) {
            return "not run";
        }
        long lost = 0;
        long dup = 0;
        long order = 0;
        for (Scenarios.Result r : results.values()) {
            lost += nz(r.get("lost"));
            dup += nz(r.get("dup"));
            order += nz(r.get("order"));
        }
        return String.format(Locale.ROOT, "%,d / %,d / %,d", lost, dup, order);
    }

    private static String noise(Map<String, Scenarios.Result> results) {
        double sum = 0;
        double max = 0;
        int n = 0;
        for (Scenarios.Result r : results.values()) {
            double v = r.get("otherCpuPct");
            if (!Double.isNaN(v)) {
                sum += v;
                max = Math.max(max, v);
                n++;
            }
        }
        return n == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%% / %.0f%%", sum / n, max);
    }

    private static long nz(double v) {
        return Double.isNaN(v) ? 0 : (long) v;
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

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
