package io.wshub.hub;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-connection send queue: order, bounds, slow consumers, closing, and that nothing leaves it stuck. */
class ConnectionTest {

    private final TestHost host = new TestHost(4, 1_000);

    @AfterEach
    void stopTimer() {
        host.close();
    }

    static Connection connection(Outlet outlet, Connection.Host host) {
        return new Connection("c-" + System.nanoTime(), ClientIdentity.anonymous("guest-test", null,
                Permissions.parse(List.of("*:*"))), outlet, GoHubCodec.INSTANCE, host);
    }

    static Outbound message(long id, String dataJson) {
        return new Outbound(id, "test", dataJson, 0L, null);
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), "condition not met within 5 s");
    }

    @Test
    void framesAreWrittenInOrderWithOneInFlight() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, new TestHost(100, 100_000));
        for (int i = 1; i <= 20; i++) {
            assertTrue(connection.send(message(i, "{\"n\":" + i + "}")));
        }
        assertEquals(1, outlet.written.size(), "one frame in flight until it completes");
        while (outlet.complete(null)) {
            // each completion starts the next write
        }
        assertEquals(20, outlet.written.size());
        for (int i = 0; i < 20; i++) {
            assertTrue(outlet.written.get(i).contains("\"n\":" + (i + 1) + "}"), outlet.written.get(i));
        }
        assertEquals(1, outlet.maxInFlight.get());
        assertEquals(0, connection.queuedFrames());
    }

    @Test
    void framesThatWaitedTogetherGoOutInOneWriteInOrderAndAreCountedEach() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL, 8);
        TestHost counting = new TestHost(100, 100_000);
        Connection connection = connection(outlet, counting);
        for (int i = 1; i <= 20; i++) {
            assertTrue(connection.send(message(i, "{\"n\":" + i + "}")));
        }
        assertEquals(List.of(1), outlet.writes, "the first frame alone; the others wait behind it");
        assertEquals(20, connection.queuedFrames());
        assertTrue(outlet.complete(null));
        assertEquals(List.of(1, 8), outlet.writes, "the waiting frames, up to the outlet's limit, in one write");
        assertEquals(19, connection.queuedFrames(), "a batch counts as queued until it is written");
        while (outlet.complete(null)) {
            // each completion starts the next write
        }
        assertEquals(List.of(1, 8, 8, 3), outlet.writes);
        for (int i = 0; i < 20; i++) {
            assertTrue(outlet.written.get(i).contains("\"n\":" + (i + 1) + "}"), outlet.written.get(i));
        }
        assertEquals(1, outlet.maxInFlight.get(), "one write in flight, batch or not");
        assertEquals(0, connection.queuedFrames());
        assertEquals(0, connection.queuedChars());
        assertEquals(20, counting.sent.get(), "every frame of a batch counts as sent");
        assertEquals(List.of(8, 8, 3), counting.batches);
    }

    @Test
    void aBatchStopsOnceItHoldsAbout32KCharacters() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL, 64);
        Connection connection = connection(outlet, new TestHost(100, 10_000_000));
        String tenK = "\"" + "x".repeat(10_000) + "\"";
        for (int i = 0; i < 9; i++) {
            assertTrue(connection.send(message(i, tenK)));
        }
        while (outlet.complete(null)) {
            // each completion starts the next write
        }
        // about 10,050 characters a frame: a batch takes frames until it holds 32 K characters or more
        assertEquals(List.of(1, 4, 4), outlet.writes);
    }

    @Test
    void aFrameQueuedWithoutAFlushWaitsAndGoesOutWithTheNextOne() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE, 8);
        Connection connection = connection(outlet, new TestHost(100, 100_000));
        Delivery first = new Delivery(message(1, "{\"n\":1}"));
        Delivery second = new Delivery(message(2, "{\"n\":2}"));
        assertTrue(connection.queue(first));
        assertTrue(connection.queue(second));
        assertEquals(List.of(), outlet.written, "queued, not written until flushed");
        assertEquals(2, connection.queuedFrames());
        connection.flush();
        assertEquals(List.of(2), outlet.writes, "both in one write");
        connection.flush(); // nothing left: no write
        assertEquals(2, outlet.written.size());
        assertTrue(outlet.written.get(0).contains("\"n\":1"), outlet.written.get(0));
        assertTrue(outlet.written.get(1).contains("\"n\":2"), outlet.written.get(1));
        assertEquals(0, connection.queuedFrames());
    }

    @Test
    void aClosedConnectionQueuesNothingAndAFlushAfterTheCloseWritesNothing() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE, 8);
        Connection connection = connection(outlet, new TestHost(100, 100_000));
        assertTrue(connection.queue(new Delivery(message(1, "{}"))));
        connection.close(1000, "bye");
        assertFalse(connection.queue(new Delivery(message(2, "{}"))));
        connection.flush();
        assertEquals(List.of(), outlet.written, "what was queued before the close is dropped, not written");
        assertEquals(0, connection.queuedFrames());
    }

    @Test
    void inlineCompletionsDoNotRecurse() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE);
        Connection connection = connection(outlet, new TestHost(200_000, Long.MAX_VALUE));
        for (int i = 0; i < 100_000; i++) {
            connection.send(message(i, "{}"));
        }
        assertEquals(100_000, outlet.written.size());
    }

    @Test
    void aQueueOverItsFrameBoundClosesAsSlowConsumerWithoutWritingMore() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        for (int i = 0; i < 4; i++) {
            assertTrue(connection.send(message(i, "{}")));
        }
        assertFalse(connection.send(message(5, "{}")), "the fifth frame overflows a queue of four");
        assertEquals(1, host.slowConsumers.get());
        assertFalse(connection.isOpen());
        assertEquals(1, host.departures.size());
        assertEquals(1008, host.departures.get(0).code());
        assertEquals("slow consumer", host.departures.get(0).reason());
        assertFalse(connection.send(message(6, "{}")), "nothing is queued after the close");
        assertEquals(1, outlet.written.size());
    }

    @Test
    void aQueueOverItsCharacterBoundClosesToo() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        assertTrue(connection.send(message(1, "{\"x\":\"" + "a".repeat(400) + "\"}")));
        assertTrue(connection.send(message(2, "{\"x\":\"" + "a".repeat(400) + "\"}")));
        assertFalse(connection.send(message(3, "{\"x\":\"" + "a".repeat(400) + "\"}")));
        assertEquals(1, host.slowConsumers.get());
    }

    @Test
    void theCloseFrameWaitsForTheFrameInFlight() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        connection.send(message(1, "{}"));
        connection.send(message(2, "{}"));
        connection.close(4002, "kicked");
        assertTrue(connection.isClosed());
        assertEquals(1, host.departures.size(), "the hub forgets it at once");
        Thread.sleep(200);
        assertTrue(outlet.closes.isEmpty(), "not closed while a frame is in flight");
        outlet.complete(null);
        await(() -> outlet.closes.size() == 1);
        assertEquals(new TestOutlet.Close(4002, "kicked"), outlet.closes.get(0));
        assertEquals(1, outlet.written.size(), "the queued second frame was dropped");
    }

    @Test
    void aStalledFrameInFlightDoesNotKeepTheTransportOpenForever() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        connection.send(message(1, "{}"));
        long before = System.currentTimeMillis();
        connection.close(1001, "idle timeout");
        await(() -> !outlet.closes.isEmpty());
        assertTrue(System.currentTimeMillis() - before >= Connection.STALLED_CLOSE_MILLIS - 100);
        assertEquals(new TestOutlet.Close(1001, "idle timeout"), outlet.closes.get(0));
    }

    @Test
    void closeAfterFlushWritesWhatWasQueuedThenCloses() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        connection.send(message(1, "{}"));
        connection.send(message(2, "{\"error\":1}"));
        connection.closeAfterFlush(1008, "too many connections");
        assertFalse(connection.send(message(3, "{}")), "frames after the close decision are dropped");
        assertTrue(connection.isOpen() == false && !connection.isClosed(), "closing, still flushing");
        outlet.complete(null);
        outlet.complete(null);
        await(() -> outlet.closes.size() == 1);
        assertEquals(2, outlet.written.size());
        assertEquals(new TestOutlet.Close(1008, "too many connections"), outlet.closes.get(0));
        assertEquals("too many connections", host.departures.get(0).reason());
    }

    @Test
    void theFirstCloseDecidedWinsOverLaterOnes() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        connection.send(message(1, "{}"));
        connection.closeAfterFlush(4000, "session replaced");
        // the peer is behind: more frames for it overflow, and a slow-consumer close follows
        connection.close(1008, "slow consumer");
        outlet.complete(null);
        await(() -> outlet.closes.size() == 1);
        assertEquals(new TestOutlet.Close(4000, "session replaced"), outlet.closes.get(0));
        assertEquals(1, host.departures.size());
        assertEquals(4000, host.departures.get(0).code());
        assertEquals("session replaced", host.departures.get(0).reason());
    }

    @Test
    void aPeerThatGoesAfterTheServerDecidedIsReportedWithTheServersReason() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        connection.send(message(1, "{}"));
        connection.closeAfterFlush(4001, "token expired");
        connection.transportClosed(1006, "connection reset");
        assertEquals(4001, host.departures.get(0).code());
        assertEquals("token expired", host.departures.get(0).reason());
        assertTrue(connection.isTransportClosed());
    }

    @Test
    void concurrentClosesReportOneReasonEverywhere() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 200; round++) {
                TestHost roundHost = new TestHost(10, 10_000);
                TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE);
                Connection connection = connection(outlet, roundHost);
                CountDownLatch start = new CountDownLatch(1);
                List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int code = 4000 + t;
                    done.add(threads.submit(() -> {
                        start.await();
                        if (code % 2 == 0) {
                            connection.close(code, "reason " + code);
                        } else {
                            connection.closeAfterFlush(code, "reason " + code);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (var future : done) {
                    future.get(5, TimeUnit.SECONDS);
                }
                await(() -> outlet.closes.size() == 1);
                roundHost.close();
                assertEquals(1, roundHost.departures.size());
                TestHost.Departure departure = roundHost.departures.get(0);
                TestOutlet.Close close = outlet.closes.get(0);
                assertEquals(departure.code(), close.code(), "the client reads the reason the hub reports");
                assertEquals(departure.reason(), close.reason());
                assertEquals("reason " + close.code(), close.reason(), "code and reason of the same decision");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFailedSendClosesWith1011AndLeavesNothingStuck() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        connection.send(message(1, "{}"));
        connection.send(message(2, "{}"));
        outlet.complete(new java.io.IOException("broken pipe"));
        assertFalse(connection.isOpen());
        assertFalse(connection.send(message(3, "{}")), "nothing more is queued");
        await(() -> host.departures.size() == 1); // closed on the hub's thread, not inside the container's callback
        assertEquals(1011, host.departures.get(0).code());
        assertEquals(0, connection.queuedFrames());
        await(() -> outlet.closes.size() == 1);
    }

    @Test
    void aTransportThatThrowsCountsAsAFailedSend() throws Exception {
        Outlet throwing = new Outlet() {
            @Override
            public void write(Frame frame, Done done) {
                throw new IllegalStateException("the session is closed");
            }

            @Override
            public void ping(Done done) {
            }

            @Override
            public void close(int code, String reason) {
            }
        };
        Connection connection = connection(throwing, host);
        connection.send(message(1, "{}"));
        assertFalse(connection.isOpen());
        await(() -> host.departures.size() == 1);
        assertEquals(1011, host.departures.get(0).code());
    }

    /** Tyrus throws java.lang.Error (MalformedInputException) for text it cannot encode, and never reports back. */
    @Test
    void aTransportThatThrowsAnErrorDoesNotLeaveTheQueueStuck() throws Exception {
        TestOutlet behind = new TestOutlet(TestOutlet.Mode.INLINE);
        Outlet failing = new Outlet() {
            @Override
            public void write(Frame frame, Done done) {
                throw new Error(new java.nio.charset.MalformedInputException(1));
            }

            @Override
            public void ping(Done done) {
            }

            @Override
            public void close(int code, String reason) {
                behind.close(code, reason);
            }
        };
        Connection connection = connection(failing, host);
        connection.send(message(1, "{}"));
        assertFalse(connection.isOpen());
        await(() -> host.departures.size() == 1);
        assertEquals(1011, host.departures.get(0).code());
        assertEquals(0, connection.queuedFrames());
    }

    /** A peer gone without the container saying so is found by the next ping, which cannot be written. */
    @Test
    void aPingThatCannotBeWrittenClosesTheConnection() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE);
        Connection connection = connection(outlet, host);
        connection.ping(System.currentTimeMillis() + 60_000, 1);
        assertTrue(connection.isOpen(), "a ping that is written changes nothing");
        outlet.pingFailure = new NullPointerException("this.grizzlyOutputBuffer is null");
        connection.ping(System.currentTimeMillis() + 120_000, 1);
        await(() -> host.departures.size() == 1);
        assertEquals(1001, host.departures.get(0).code());
        assertEquals("connection lost", host.departures.get(0).reason());
    }

    /**
     * Idleness counts from the admission, not the handshake: in a run of 3 x 19,000 connections on one machine the
     * directory admitted connections minutes after their handshake, and the sweep then closed 26,000 of them at once
     * as idle (1001) before they were ever pinged.
     */
    @Test
    void aConnectionAdmittedLateIsNotIdleFromItsHandshake() throws Exception {
        Connection connection = connection(new TestOutlet(TestOutlet.Mode.INLINE), host);
        Thread.sleep(50);
        long admittedAt = System.currentTimeMillis();
        connection.admitted();
        assertTrue(connection.lastSeen() >= admittedAt, "last seen " + (admittedAt - connection.lastSeen())
                + " ms before the admission");
    }

    /** Rooms are added and removed from several threads at once (joins, leaves, admin calls): none is lost. */
    @Test
    void concurrentRoomChangesAreAllKept() throws Exception {
        Connection connection = connection(new TestOutlet(TestOutlet.Mode.INLINE), host);
        int threads = 4;
        int perThread = 200;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    assertTrue(connection.addRoom("t" + thread + "-" + i));
                    if (i % 2 == 1) {
                        assertTrue(connection.removeRoom("t" + thread + "-" + i));
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (java.util.concurrent.Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i += 2) {
                expected.add("t" + t + "-" + i);
            }
        }
        assertEquals(expected, connection.rooms());
        assertFalse(connection.addRoom("t0-0"), "already in it");
        assertFalse(connection.removeRoom("t0-1"), "already left");
    }

    /** The first ping goes out a second after the connect, then one per interval. */
    @Test
    void theFirstPingComesEarlyThenOnePerInterval() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE);
        Connection connection = connection(outlet, host);
        long start = connection.connectedAt();
        long interval = 25_000;
        connection.ping(start + Connection.FIRST_PING_MILLIS - 1, interval);
        assertEquals(0, outlet.pings.get(), "not before a second");
        connection.ping(start + Connection.FIRST_PING_MILLIS, interval);
        assertEquals(1, outlet.pings.get(), "a second after the connect, not an interval later");
        connection.ping(start + Connection.FIRST_PING_MILLIS + interval - 1, interval);
        assertEquals(1, outlet.pings.get());
        connection.ping(start + Connection.FIRST_PING_MILLIS + interval, interval);
        assertEquals(2, outlet.pings.get(), "then one per interval");
        Connection shortInterval = connection(outlet, host);
        shortInterval.ping(shortInterval.connectedAt() + 200, 200);
        assertEquals(3, outlet.pings.get(), "an interval shorter than a second comes first");
    }

    @Test
    void aMessageThatCannotBeEncodedIsNeverQueued() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection connection = connection(outlet, host);
        assertThrows(Frame.UnencodableException.class, () -> connection.send(message(1, "{\"x\":\"bad \ud800\"}")));
        Delivery shared = new Delivery(message(2, "{\"x\":\"\udc00 alone\"}"));
        assertFalse(connection.send(shared), "a shared message that cannot be encoded reaches nobody");
        assertTrue(outlet.written.isEmpty());
        assertEquals(0, connection.queuedFrames());
        assertTrue(connection.send(message(3, "{\"x\":\"pair \ud83d\ude00 fine\"}")));
        assertEquals(1, outlet.written.size(), "the connection keeps working");
    }

    @Test
    void aSharedDeliveryIsEncodedOnceForEveryReceiver() {
        Delivery delivery = new Delivery(message(7, "{\"a\":1}"));
        Frame first = delivery.frameFor(GoHubCodec.INSTANCE);
        assertTrue(first == delivery.frameFor(GoHubCodec.INSTANCE));
    }
}
