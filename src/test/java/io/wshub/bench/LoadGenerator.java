package io.wshub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load runs for docs/benchmarks.md (not a test). It drives a running hub with real WebSocket clients and reads the
 * server's CPU time from /proc, so that the figure reported is server CPU per operation.
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.bench.LoadGenerator \
 *     -Dexec.args="echo --pid 1234 --clients 100 --warmup 60 --seconds 30"
 * mvn ... -Dexec.args="fanout --pid 1234 --clients 1000 --rate 20 --warmup 60 --seconds 30"
 * </pre>
 * Across nodes: {@code --url} takes several hub URLs (members are spread over them round-robin), {@code --sender-url}
 * puts the sender on another node, and {@code --pid} several process ids (their CPU is added up).
 */
public final class LoadGenerator {

    private static final Pattern SENT_AT = Pattern.compile("\"t\":(\\d+)");

    private final String mode;
    private final List<URI> urls;
    private final URI senderUrl;
    private final long[] pids;
    private final int clients;
    private final int rate;
    private final int warmupSeconds;
    private final int seconds;
    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2)).build();
    private final AtomicLong operations = new AtomicLong();
    private volatile boolean measuring;
    private final LatencyLog latencies = new LatencyLog();

    private LoadGenerator(String[] args) {
        mode = args[0];
        urls = Arrays.stream(option(args, "--url", "ws://127.0.0.1:8080/ws").split(",")).map(URI::create).toList();
        senderUrl = URI.create(option(args, "--sender-url", urls.get(0).toString()));
        pids = Arrays.stream(option(args, "--pid", "0").split(",")).mapToLong(Long::parseLong).toArray();
        clients = Integer.parseInt(option(args, "--clients", "100"));
        rate = Integer.parseInt(option(args, "--rate", "20"));
        warmupSeconds = Integer.parseInt(option(args, "--warmup", "60"));
        seconds = Integer.parseInt(option(args, "--seconds", "30"));
    }

    public static void main(String[] args) throws Exception {
        new LoadGenerator(args).run();
        System.exit(0);
    }

    private void run() throws Exception {
        List<WebSocket> sockets = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        if (mode.equals("echo")) {
            for (int i = 0; i < clients; i++) {
                sockets.add(connect(new EchoClient(), urls.get(i % urls.size())));
            }
        } else if (mode.equals("fanout")) {
            CountDownLatch joined = new CountDownLatch(clients);
            for (int i = 0; i < clients; i++) {
                sockets.add(connect(new RoomMember(joined), urls.get(i % urls.size())));
            }
            String join = "{\"message_type\":\"join_room\",\"data\":{\"room_id\":\"bench\"}}";
            sockets.forEach(s -> s.sendText(join, true));
            joined.await(60, TimeUnit.SECONDS);
            WebSocket sender = connect(new RoomMember(new CountDownLatch(1)), senderUrl);
            sender.sendText(join, true).join();
            long periodMicros = 1_000_000L / rate;
            timer.scheduleAtFixedRate(() -> sender.sendText("{\"message_type\":\"room_message\",\"data\":{"
                    + "\"room_id\":\"bench\",\"content\":{\"t\":" + System.nanoTime() + "}}}", true),
                    0, periodMicros, TimeUnit.MICROSECONDS);
        } else {
            throw new IllegalArgumentException("mode is echo or fanout");
        }
        System.out.printf("%s: %d clients connected, warming up %d s%n", mode, clients, warmupSeconds);
        Thread.sleep(warmupSeconds * 1000L);
        long cpuBefore = serverCpuTicks();
        long opsBefore = operations.get();
        measuring = true;
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring = false;
        double elapsed = (System.nanoTime() - start) / 1e9;
        long ops = operations.get() - opsBefore;
        long cpuTicks = serverCpuTicks() - cpuBefore;
        timer.shutdownNow();
        double cpuSeconds = cpuTicks / 100.0;
        long[] sorted = latencies.sorted();
        System.out.printf("%s: %d clients, %.0f %s/s, p50 %.2f ms, p99 %.2f ms, server CPU %.1f%% of one core, "
                        + "%.1f us per %s%n",
                mode, clients, ops / elapsed, mode.equals("echo") ? "requests" : "deliveries",
                percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, 100 * cpuSeconds / elapsed,
                pids[0] == 0 ? Double.NaN : 1e6 * cpuSeconds / ops, mode.equals("echo") ? "request" : "delivery");
        sockets.forEach(s -> s.sendClose(WebSocket.NORMAL_CLOSURE, "done"));
        Thread.sleep(500);
    }

    private WebSocket connect(WebSocket.Listener listener, URI url) {
        return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).buildAsync(url, listener).join();
    }

    /** utime + stime of the server processes, in clock ticks (1/100 s). */
    private long serverCpuTicks() throws Exception {
        long ticks = 0;
        for (long pid : pids) {
            if (pid != 0) {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
        }
        return ticks;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
    }

    private static String option(String[] args, String name, String fallback) {
        int at = Arrays.asList(args).indexOf(name);
        return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
    }

    /** Reassembles text frames and hands each whole frame to {@link #onFrame}. */
    private abstract static class FrameListener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public void onOpen(WebSocket socket) {
            socket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                onFrame(socket, text);
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        abstract void onFrame(WebSocket socket, CharSequence frame);
    }

    /** Closed loop: sends the next echo as soon as the previous one is answered. */
    private final class EchoClient extends FrameListener {
        private long sentAt;
        private long id;

        @Override
        void onFrame(WebSocket socket, CharSequence frame) {
            if (frame.toString().contains("\"echo\"")) {
                operations.incrementAndGet();
                if (measuring) {
                    latencies.add(System.nanoTime() - sentAt);
                }
            }
            sentAt = System.nanoTime();
            socket.sendText("{\"message_id\":" + (++id) + ",\"message_type\":\"echo\",\"data\":{\"n\":" + id + "}}",
                    true);
        }
    }

    /** Counts room messages and their latency from the sender's timestamp (same JVM, same clock). */
    private final class RoomMember extends FrameListener {
        private final CountDownLatch joined;

        RoomMember(CountDownLatch joined) {
            this.joined = joined;
        }

        @Override
        void onFrame(WebSocket socket, CharSequence frame) {
            String text = frame.toString();
            if (text.contains("\"room_joined\"")) {
                joined.countDown();
            } else if (text.contains("\"room_message\"")) {
                operations.incrementAndGet();
                Matcher sent = SENT_AT.matcher(text);
                if (measuring && sent.find()) {
                    latencies.add(System.nanoTime() - Long.parseLong(sent.group(1)));
                }
            }
        }
    }

    /** Latencies of the measured window (bounded, so a long run cannot exhaust memory). */
    private static final class LatencyLog {
        private final long[] values = new long[2_000_000];
        private final AtomicLong count = new AtomicLong();

        void add(long nanos) {
            long at = count.getAndIncrement();
            if (at < values.length) {
                values[(int) at] = nanos;
            }
        }

        long[] sorted() {
            long[] copy = Arrays.copyOf(values, (int) Math.min(values.length, count.get()));
            Arrays.sort(copy);
            return copy;
        }
    }
}
