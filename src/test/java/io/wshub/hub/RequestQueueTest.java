package io.wshub.hub;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A connection's requests run one at a time and in order, also when some answer later, without a lock. */
class RequestQueueTest {

    @Test
    void heldUntilReleasedThenRunInOrder() {
        RequestQueue queue = new RequestQueue(10);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        queue.submit(() -> ran.add(1) ? null : null);
        queue.submit(() -> ran.add(2) ? null : null);
        assertTrue(ran.isEmpty(), "a connection being admitted handles nothing yet");
        queue.release();
        assertEquals(List.of(1, 2), ran);
        queue.submit(() -> ran.add(3) ? null : null);
        assertEquals(List.of(1, 2, 3), ran, "an idle queue runs a request at once, on the caller's thread");
    }

    @Test
    void aRequestThatAnswersLaterHoldsTheOnesBehindIt() {
        RequestQueue queue = new RequestQueue(10);
        queue.release();
        List<String> ran = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> answer = new CompletableFuture<>();
        queue.submit(() -> {
            ran.add("join");
            return answer;
        });
        queue.submit(() -> ran.add("publish") ? null : null);
        assertEquals(List.of("join"), ran);
        answer.complete(null);
        assertEquals(List.of("join", "publish"), ran, "the thread that completes the answer runs the next");
    }

    @Test
    void aDroppedQueueRunsNothingMore() {
        RequestQueue queue = new RequestQueue(10);
        AtomicInteger ran = new AtomicInteger();
        queue.submit(() -> {
            ran.incrementAndGet();
            return null;
        });
        queue.drop();
        queue.release();
        assertFalse(queue.submit(() -> {
            ran.incrementAndGet();
            return null;
        }));
        assertEquals(0, ran.get(), "a refused connection's pipelined requests are never handled");
        assertTrue(queue.isDropped());
    }

    @Test
    void theWaitingLineIsBounded() {
        RequestQueue queue = new RequestQueue(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(queue.submit(() -> null));
        }
        assertFalse(queue.submit(() -> null));
        assertEquals(3, queue.waiting());
    }

    @Test
    void manyThreadsNeverRunTwoRequestsAtOnceAndLoseNone() throws Exception {
        RequestQueue queue = new RequestQueue(1_000_000);
        queue.release();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        ExecutorService answers = Executors.newFixedThreadPool(2);
        try {
            IntStream.range(0, 8).forEach(t -> threads.submit(() -> {
                for (int i = 0; i < 20_000; i++) {
                    boolean later = i % 7 == 0;
                    queue.submit(() -> {
                        if (running.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        ran.incrementAndGet();
                        if (later) {
                            return CompletableFuture.runAsync(running::decrementAndGet, answers);
                        }
                        running.decrementAndGet();
                        return null;
                    });
                }
            }));
            threads.shutdown();
            assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS));
            for (int i = 0; i < 500 && ran.get() < 160_000; i++) {
                Thread.sleep(10);
            }
            assertEquals(160_000, ran.get());
            assertEquals(0, overlaps.get());
        } finally {
            answers.shutdownNow();
        }
    }
}
