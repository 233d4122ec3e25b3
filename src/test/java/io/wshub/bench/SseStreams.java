package io.wshub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Many long-lived Server-Sent Events streams in one process: one {@link HttpClient} (HTTP/1.1, a connection per
 * stream) reads every stream on its selector thread and hands lines to a small pool, so 1,000 streams cost the load
 * generator two threads rather than a thousand blocking readers. Each stream feeds its events to a
 * {@link Scenarios.Member}, which counts deliveries exactly as it does for a WebSocket member.
 */
final class SseStreams implements AutoCloseable {

    private final ExecutorService callbacks = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "sse-streams");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).executor(callbacks).build();
    private final List<Stream> streams = new ArrayList<>();

    /**
     * Opens {@code n} streams to {@code uri}, {@code inFlight} requests at a time; returns once every response
     * started (or failed) or {@code seconds} passed. A stream that failed leaves its member unopened.
     */
    void openAll(int n, URI uri, IntFunction<Scenarios.Member> member, int inFlight, int seconds) throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        CountDownLatch started = new CountDownLatch(n);
        HttpRequest request = HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache").build();
        for (int i = 0; i < n; i++) {
            if (!slots.tryAcquire(seconds, TimeUnit.SECONDS)) {
                break;
            }
            Stream stream = new Stream(member.apply(i));
            synchronized (streams) {
                streams.add(stream);
            }
            // the response future of a streaming body completes only when the stream ends: a stream counts as open
            // when its headers arrive, in the body handler
            HttpResponse.BodyHandler<Void> handler = info -> {
                if (info.statusCode() == 200) {
                    stream.member.onOpen(null);
                }
                slots.release();
                started.countDown();
                return HttpResponse.BodySubscribers.fromLineSubscriber(stream);
            };
            http.sendAsync(request, handler).whenComplete((response, failure) -> {
                if (failure != null && !stream.member.opened) {
                    slots.release();
                    started.countDown();
                }
                stream.ended(!stream.cancelled);
            });
        }
        started.await(seconds, TimeUnit.SECONDS);
    }

    /** Ends every stream from this side: cancelling the body closes its HTTP/1.1 connection. */
    @Override
    public void close() {
        synchronized (streams) {
            for (Stream s : streams) {
                s.cancel();
            }
            streams.clear();
        }
    }

    /** One stream: the SSE fields of each event (its type, then its data line) go to the member. */
    private static final class Stream implements Flow.Subscriber<String> {
        final Scenarios.Member member;
        private volatile Flow.Subscription subscription;
        volatile boolean cancelled;
        private boolean ended;
        private String event = "";

        Stream(Scenarios.Member member) {
            this.member = member;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (cancelled) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(String line) {
            if (line.isEmpty()) {
                event = "";
            } else if (line.startsWith("event:")) {
                event = line.substring(line.startsWith("event: ") ? 7 : 6);
            } else if (line.startsWith("data:")) {
                byte[] data = line.getBytes(StandardCharsets.UTF_8);
                member.onEvent(event, data, 5, data.length - 5);
            }
        }

        @Override
        public void onError(Throwable t) {
            ended(!cancelled);
        }

        @Override
        public void onComplete() {
            ended(!cancelled);
        }

        synchronized void ended(boolean byServer) {
            if (!ended) {
                ended = true;
                // SSE has no close frame; 1006 ("abnormal") marks a stream that the server or the network ended
                member.onClose(null, 1006, byServer);
            }
        }

        void cancel() {
            cancelled = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
