package io.wshub.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fan-out lanes: every receiver written, in order, on the lanes when there are many, back-pressure, stop. */
class FanOutTest {

    private final TestHost host = new TestHost(10_000, Long.MAX_VALUE);
    private final AtomicInteger laneThreads = new AtomicInteger();
    private final FanOut lanes = new FanOut(2, task -> {
        Thread thread = new Thread(task, "test-lane-" + laneThreads.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    @AfterEach
    void stop() {
        lanes.stop();
        host.close();
    }

    /** An outlet that completes inline and notes which threads wrote. */
    private static final class ThreadNotingOutlet implements Outlet {
        final List<String> written = java.util.Collections.synchronizedList(new ArrayList<>());
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final AtomicInteger batched = new AtomicInteger();
        volatile CountDownLatch hold;

        @Override
        public void write(Frame frame, Done done) {
            write(List.of(frame), done);
        }

        @Override
        public int maxBatch() {
            return 64;
        }

        @Override
        public void write(List<Frame> frames, Done done) {
            CountDownLatch gate = hold;
            if (gate != null) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            threads.add(Thread.currentThread().getName());
            if (frames.size() > 1) {
                batched.addAndGet(frames.size());
            }
            frames.forEach(frame -> written.add(frame.text()));
            done.completed(null);
        }

        @Override
        public void ping(Done done) {
            done.completed(null);
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    private List<Connection> receivers(int count, List<ThreadNotingOutlet> outlets) {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ThreadNotingOutlet outlet = new ThreadNotingOutlet();
            outlets.add(outlet);
            connections.add(ConnectionTest.connection(outlet, host));
        }
        return connections;
    }

    /** Queues message {@code n} on every receiver and hands them to the fan-out, as a room or a broadcast does. */
    private void fanOut(FanOut fanOut, List<Connection> receivers, int n) {
        Delivery delivery = new Delivery(ConnectionTest.message(n, "{\"n\":" + n + "}"));
        List<Connection> queued = new ArrayList<>();
        for (Connection receiver : receivers) {
            assertTrue(receiver.queue(delivery));
            queued.add(receiver);
        }
        fanOut.flush(queued);
    }

    @Test
    void aFewReceiversAreWrittenOnTheCallersThread() {
        List<ThreadNotingOutlet> outlets = new ArrayList<>();
        List<Connection> receivers = receivers(FanOut.SLICE, outlets);
        fanOut(lanes, receivers, 1);
        for (ThreadNotingOutlet outlet : outlets) {
            assertEquals(1, outlet.written.size());
            assertEquals(Set.of(Thread.currentThread().getName()), outlet.threads);
        }
        assertEquals(0, laneThreads.get(), "no lane started for a small fan-out");
    }

    @Test
    void manyReceiversGetEveryMessageInOrderThroughTheLanesWithWaitingFramesBatched() throws Exception {
        List<ThreadNotingOutlet> outlets = new ArrayList<>();
        List<Connection> receivers = receivers(1_000, outlets);
        int messages = 200;
        for (int n = 0; n < messages; n++) {
            fanOut(lanes, receivers, n);
        }
        ConnectionTest.await(() -> outlets.stream().allMatch(outlet -> outlet.written.size() == messages));
        int batched = 0;
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (ThreadNotingOutlet outlet : outlets) {
            for (int n = 0; n < messages; n++) {
                assertTrue(outlet.written.get(n).contains("\"n\":" + n + "}"), outlet.written.get(n));
            }
            batched += outlet.batched.get();
            threads.addAll(outlet.threads);
        }
        assertTrue(threads.stream().anyMatch(name -> name.startsWith("test-lane-")), threads.toString());
        assertTrue(batched > 0, "frames queued while a lane was behind went out together");
        receivers.forEach(receiver -> assertEquals(0, receiver.queuedFrames()));
    }

    @Test
    void whenTheLanesAreBehindTheCallerWritesItsSlicesItself() throws Exception {
        List<ThreadNotingOutlet> outlets = new ArrayList<>();
        List<Connection> receivers = receivers(FanOut.SLICE * 20, outlets);
        CountDownLatch held = new CountDownLatch(1);
        // the first receiver of the first two slices blocks its lane until released
        outlets.get(0).hold = held;
        outlets.get(FanOut.SLICE).hold = held;
        Thread caller = new Thread(() -> fanOut(lanes, receivers, 1), "test-caller");
        caller.start();
        // two lanes held, eight slices waiting: the other ten slices are written by the caller
        ConnectionTest.await(() -> !caller.isAlive());
        long byCaller = outlets.stream().filter(outlet -> outlet.threads.contains("test-caller")).count();
        assertEquals(10L * FanOut.SLICE, byCaller, "slices beyond what the lanes can hold ran on the caller");
        held.countDown();
        ConnectionTest.await(() -> outlets.stream().allMatch(outlet -> outlet.written.size() == 1));
    }

    @Test
    void afterStopEveryFanOutIsWrittenOnTheCallersThread() {
        lanes.stop();
        List<ThreadNotingOutlet> outlets = new ArrayList<>();
        List<Connection> receivers = receivers(1_000, outlets);
        fanOut(lanes, receivers, 1);
        for (ThreadNotingOutlet outlet : outlets) {
            assertEquals(List.of(Thread.currentThread().getName()), List.copyOf(outlet.threads));
            assertEquals(1, outlet.written.size());
        }
    }

    @Test
    void withNoLanesEveryFanOutIsWrittenOnTheCallersThread() {
        List<ThreadNotingOutlet> outlets = new ArrayList<>();
        List<Connection> receivers = receivers(1_000, outlets);
        fanOut(FanOut.INLINE, receivers, 1);
        assertEquals(0, FanOut.INLINE.lanes());
        outlets.forEach(outlet -> assertEquals(Set.of(Thread.currentThread().getName()), outlet.threads));
    }
}
