package io.wshub.room;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.TestHost;
import io.wshub.hub.TestOutlet;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local side of rooms: joins, leaves, deletes and departures keep members, rooms and interest in step. */
class LocalRoomsTest {

    private final List<String> interest = new CopyOnWriteArrayList<>();
    private final LocalRooms rooms = new LocalRooms(roomId -> {
        interest.add(roomId);
        return CompletableFuture.completedFuture(null);
    });
    private final TestHost host = new TestHost(100, 100_000).onDeparture(rooms::forget);

    @AfterEach
    void stop() {
        host.close();
    }

    private Connection connection(TestOutlet outlet) {
        return new Connection("c-" + System.nanoTime(), ClientIdentity.anonymous("guest-x", null,
                Permissions.parse(List.of("*:*"))), outlet, GoHubCodec.INSTANCE, host);
    }

    private static RoomRecord room(String id) {
        return new RoomRecord(id, id, 0, true, 0, 0);
    }

    @Test
    void theFirstMemberMakesTheRoomWantedAndTheLastOneUnwanted() {
        Connection a = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        Connection b = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        assertTrue(rooms.attach(a, room("lobby")).join());
        assertTrue(rooms.attach(b, room("lobby")).join());
        assertTrue(rooms.wanted("lobby"));
        assertEquals(Set.of("lobby"), a.rooms());
        assertTrue(rooms.detach(a, "lobby"));
        assertFalse(rooms.detach(a, "lobby"), "not a member twice");
        assertTrue(rooms.wanted("lobby"), "b is still there");
        assertTrue(rooms.detach(b, "lobby"));
        assertFalse(rooms.wanted("lobby"));
        assertEquals(0, rooms.size());
        assertEquals(List.of("lobby", "lobby", "lobby"), interest, "told on each join and on the last leave");
    }

    @Test
    void deliveriesReachEveryMemberButTheSender() {
        TestOutlet outletA = new TestOutlet(TestOutlet.Mode.INLINE);
        TestOutlet outletB = new TestOutlet(TestOutlet.Mode.INLINE);
        Connection a = connection(outletA);
        Connection b = connection(outletB);
        rooms.attach(a, room("r")).join();
        rooms.attach(b, room("r")).join();
        int sent = rooms.deliver("r", new Delivery(new Outbound(1, "room_message", "{}", 0, null)), a);
        assertEquals(1, sent);
        assertTrue(outletA.written.isEmpty());
        assertEquals(1, outletB.written.size());
        assertEquals(0, rooms.deliver("elsewhere", new Delivery(new Outbound(2, "x", "{}", 0, null)), null));
    }

    @Test
    void aDeletedRoomLetsGoOfAllItsMembers() {
        Connection a = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        Connection b = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        rooms.attach(a, room("doomed")).join();
        rooms.attach(b, room("doomed")).join();
        rooms.attach(a, room("other")).join();
        List<Connection> members = rooms.remove("doomed");
        assertEquals(2, members.size());
        assertEquals(Set.of("other"), a.rooms());
        assertEquals(Set.of(), b.rooms());
        assertFalse(rooms.wanted("doomed"));
        assertTrue(rooms.remove("doomed").isEmpty(), "deleting twice finds nothing");
    }

    @Test
    void aDepartingConnectionLeavesEveryRoom() {
        Connection a = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        Connection b = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        for (String id : List.of("r1", "r2", "r3")) {
            rooms.attach(a, room(id)).join();
        }
        rooms.attach(b, room("r2")).join();
        a.close(1000, "bye");
        assertEquals(Set.of(), a.rooms());
        assertEquals(Set.of("r2"), rooms.wantedRooms());
        assertEquals(1, rooms.room("r2").orElseThrow().members().size());
    }

    @Test
    void aConnectionThatClosedWhileJoiningIsTakenOutAgain() {
        Connection a = connection(new TestOutlet(TestOutlet.Mode.INLINE));
        a.close(1006, "gone");
        assertFalse(rooms.attach(a, room("late")).join());
        assertFalse(rooms.wanted("late"));
        assertEquals(Set.of(), a.rooms());
    }
}
