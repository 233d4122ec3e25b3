package io.wshub.room;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.History;
import io.wshub.cluster.History.Entry;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.Hub;
import io.wshub.hub.TestHost;
import io.wshub.hub.TestOutlet;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member joining a room with history: live messages wait while it is replayed what it missed, then flow on without
 * gap, duplicate or reordering, and neither the replay nor the release of what waited ever overflows its queue.
 */
class CatchUpTest {

    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");
    /** A queue of 8 frames: feeders wait until it is down to 2. */
    private final TestHost host = new TestHost(8, 1_000_000);
    private final LocalRooms rooms = new LocalRooms(roomId -> CompletableFuture.completedFuture(null));
    private final Hub hub = new Hub();

    @AfterEach
    void stop() {
        host.close();
    }

    private Connection member(TestOutlet outlet) {
        return new Connection("c-" + System.nanoTime(), ClientIdentity.anonymous("guest-x", null,
                Permissions.parse(List.of("*:*"))), outlet, GoHubCodec.INSTANCE, host);
    }

    private static Delivery message(long offset) {
        return new Delivery(new Outbound(offset, "room_message", History.withOffset("{\"n\":" + offset + "}", offset),
                1L, null));
    }

    private static Entry entry(long offset) {
        return new Entry(offset, "room_message", History.withOffset("{\"n\":" + offset + "}", offset), 1L);
    }

    private static List<Long> offsets(List<String> frames) {
        List<Long> offsets = new ArrayList<>();
        for (String frame : frames) {
            Matcher matcher = OFFSET.matcher(frame);
            if (matcher.find()) {
                offsets.add(Long.parseLong(matcher.group(1)));
            }
        }
        return offsets;
    }

    /** Completes writes one by one until nothing is in flight for a while; returns the most frames ever queued. */
    private static int drain(TestOutlet outlet, Connection connection) throws InterruptedException {
        int most = 0;
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300)) {
            most = Math.max(most, connection.queuedFrames());
            if (outlet.complete(null)) {
                quietSince = System.nanoTime();
            } else {
                Thread.sleep(1);
            }
        }
        return most;
    }

    @Test
    void missedThenHeldThenLiveArriveOnceAndInOrderWithoutOverflow() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection member = member(outlet);
        CatchUp catchUp = new CatchUp(member);
        assertTrue(rooms.attach(member, new RoomRecord("r", "r", 0, true, 0, 0, 100, 60), catchUp).join());
        // live messages 21..60 arrive while the member is being told where it joins: they wait
        for (long offset = 21; offset <= 60; offset++) {
            rooms.deliver("r", message(offset), null, offset);
        }
        assertEquals(0, outlet.written.size(), "nothing reaches the member before it is told where it joins");
        // it missed 1..50 (the room was at 50 when it joined); 21..50 also came live and must not repeat
        List<Entry> missed = new ArrayList<>();
        for (long offset = 1; offset <= 50; offset++) {
            missed.add(entry(offset));
        }
        AtomicBoolean live = new AtomicBoolean();
        new Replay(member, "r", hub, missed, () -> catchUp.release(50, () -> {
            rooms.caughtUp(member, "r");
            live.set(true);
        })).run();
        int most = drain(outlet, member);
        assertTrue(live.get(), "the member caught up");
        for (long offset = 61; offset <= 66; offset++) { // fewer than the queue holds
            rooms.deliver("r", message(offset), null, offset);
        }
        most = Math.max(most, drain(outlet, member));
        List<Long> expected = new ArrayList<>();
        for (long offset = 1; offset <= 66; offset++) {
            expected.add(offset);
        }
        assertEquals(expected, offsets(outlet.written));
        assertTrue(most <= 8, "the queue never went over its bound: " + most);
        assertEquals(0, host.slowConsumers.get());
        assertTrue(member.isOpen());
    }

    @Test
    void eventsOutsideTheHistoryReachAMemberWhileAndAfterItCatchesUp() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection member = member(outlet);
        CatchUp catchUp = new CatchUp(member);
        assertTrue(rooms.attach(member, new RoomRecord("r", "r", 0, true, 0, 0, 100, 60), catchUp).join());
        rooms.deliver("r", message(11), null, 11);
        rooms.deliver("r", event("held"), null, 0); // a member_joined while the member is told where it joins
        AtomicBoolean live = new AtomicBoolean();
        new Replay(member, "r", hub, List.of(entry(10)), () -> catchUp.release(10, () -> live.set(true))).run();
        drain(outlet, member);
        assertTrue(live.get(), "the member caught up");
        // caught up, but its catch-up still answers for it until the room is told: offset 0 must pass too
        rooms.deliver("r", message(12), null, 12);
        rooms.deliver("r", event("live"), null, 0);
        drain(outlet, member);
        assertEquals(List.of(10L, 11L, 12L), offsets(outlet.written));
        assertEquals(2, outlet.written.stream().filter(frame -> frame.contains("member_joined")).count(),
                "both events arrived: " + outlet.written);
        assertTrue(outlet.written.get(2).contains("\"held\""), "the held event in its place: " + outlet.written);
    }

    private static Delivery event(String name) {
        return new Delivery(new Outbound(0, "member_joined", "{\"user_id\":\"" + name + "\"}", 1L, null));
    }

    @Test
    void aMemberThatCannotKeepUpWithWhatWaitsIsClosedAsSlow() {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection member = member(outlet);
        CatchUp catchUp = new CatchUp(member);
        rooms.attach(member, new RoomRecord("r", "r", 0, true, 0, 0, 100, 60), catchUp).join();
        for (long offset = 1; offset <= CatchUp.MAX_HELD + 1; offset++) {
            catchUp.offer(message(offset), offset);
        }
        catchUp.release(0, () -> { });
        assertEquals("1008 slow consumer", member.closeReason());
        assertTrue(!member.isOpen());
    }

    @Test
    void aMemberThatLeavesDuringItsReplayGetsNothingMoreOfTheRoom() throws Exception {
        TestOutlet outlet = new TestOutlet(TestOutlet.Mode.MANUAL);
        Connection member = member(outlet);
        CatchUp catchUp = new CatchUp(member);
        rooms.attach(member, new RoomRecord("r", "r", 0, true, 0, 0, 100, 60), catchUp).join();
        List<Entry> missed = new ArrayList<>();
        for (long offset = 1; offset <= 40; offset++) {
            missed.add(entry(offset));
        }
        new Replay(member, "r", hub, missed, () -> catchUp.release(40, () -> { })).run();
        rooms.detach(member, "r");
        drain(outlet, member);
        assertTrue(outlet.written.size() < 40, "the replay stopped: " + outlet.written.size());
    }
}
