package io.wshub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time to recover missed room messages: a member leaves, {@code --missed} messages (default 1,000) are published
 * to the room, and a new connection joins with {@code recover}; measured from sending the {@code join_room} to
 * receiving the last missed message, after {@code --warmup} rounds (default 300) that let the JIT settle, over
 * {@code --rounds} rounds (default 100). The server must keep history: start it with
 * {@code WSHUB_ROOMS_HISTORY_SIZE} at least {@code --missed}.
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.wshub.bench.RecoveryBenchmark \
 *     -Dexec.args="--url ws://127.0.0.1:8080/ws"
 * </pre>
 */
public final class RecoveryBenchmark {

    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        Options options = new Options(args);
        URI url = URI.create(options.get("--url", "ws://127.0.0.1:8080/ws"));
        int missed = options.getInt("--missed", 1000);
        int warmup = options.getInt("--warmup", 300);
        int rounds = options.getInt("--rounds", 100);
        String room = "bench-recover-" + System.currentTimeMillis();
        HttpClient http = HttpClient.newHttpClient();
        try (Client publisher = Client.open(http, url); Client watcher = Client.open(http, url)) {
            publisher.send("{\"message_type\":\"join_room\",\"data\":{\"room_id\":\"" + room + "\"}}");
            publisher.await("room_joined");
            watcher.send("{\"message_type\":\"join_room\",\"data\":{\"room_id\":\"" + room + "\"}}");
            watcher.await("room_joined");
            long[] millis = new long[rounds];
            for (int round = -warmup; round < rounds; round++) {
                String joined;
                try (Client leaving = Client.open(http, url)) {
                    leaving.send("{\"message_type\":\"join_room\",\"data\":{\"room_id\":\"" + room + "\"}}");
                    joined = leaving.await("room_joined");
                }
                Matcher offset = OFFSET.matcher(joined);
                Matcher epoch = EPOCH.matcher(joined);
                if (!offset.find() || !epoch.find()) {
                    throw new IllegalStateException("the room keeps no history (start the server with "
                            + "WSHUB_ROOMS_HISTORY_SIZE): " + joined);
                }
                for (int i = 0; i < missed; i++) {
                    publisher.send("{\"message_type\":\"room_message\",\"data\":{\"room_id\":\"" + room
                            + "\",\"content\":\"m" + i + "\"}}");
                }
                for (int i = 0; i < missed; i++) {
                    watcher.await("room_message");
                }
                try (Client back = Client.open(http, url)) {
                    long t0 = System.nanoTime();
                    back.send("{\"message_type\":\"join_room\",\"data\":{\"room_id\":\"" + room
                            + "\",\"recover\":{\"offset\":" + offset.group(1) + ",\"epoch\":\"" + epoch.group(1)
                            + "\"}}}");
                    String reply = back.await("room_joined");
                    if (!reply.contains("\"recovered\":true")) {
                        throw new IllegalStateException("not recovered: " + reply);
                    }
                    for (int i = 0; i < missed; i++) {
                        back.await("room_message");
                    }
                    long t1 = System.nanoTime();
                    if (round >= 0) {
                        millis[round] = t1 - t0;
                    }
                }
            }
            Arrays.sort(millis);
            System.out.printf("recover %d missed messages, %d rounds after %d warm-up rounds: p50 %.2f ms, "
                            + "p90 %.2f ms, p99 %.2f ms, max %.2f ms%n", missed, rounds, warmup,
                    millis[rounds / 2] / 1e6, millis[(int) (rounds * 0.9)] / 1e6,
                    millis[Math.min(rounds - 1, (int) (rounds * 0.99))] / 1e6, millis[rounds - 1] / 1e6);
        }
    }

    /** A JDK WebSocket client that queues whole text frames. */
    private static final class Client implements WebSocket.Listener, AutoCloseable {
        private final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Client open(HttpClient http, URI url) throws Exception {
            Client client = new Client();
            client.socket = http.newWebSocketBuilder().buildAsync(url, client).get(10, TimeUnit.SECONDS);
            client.await("connected");
            return client;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        /** The next frame of {@code type}, skipping others; fails after 10 s. */
        String await(String type) throws InterruptedException {
            String marker = "\"message_type\":\"" + type + "\"";
            while (true) {
                String frame = frames.poll(10, TimeUnit.SECONDS);
                if (frame == null) {
                    throw new IllegalStateException("no " + type + " within 10 s");
                }
                if (frame.contains(marker)) {
                    return frame;
                }
                if (frame.contains("\"message_type\":\"error\"")) {
                    throw new IllegalStateException(frame);
                }
            }
        }

        @Override
        public void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(failure -> null).join();
            socket.abort();
        }
    }

    private RecoveryBenchmark() {
    }

}
