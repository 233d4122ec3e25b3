package io.wshub.room;

import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.FanOut;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The rooms that have members on this node, and their members: the bookkeeping behind local fan-out, without the
 * cluster. A room exists here while it has a local member; the first member makes the node want the room's traffic,
 * the last one's leaving makes it not want it any more ({@code interestChanged} is told after the change, outside
 * any lock, and asks {@link #wanted} itself when it acts, so concurrent changes cannot leave it wrong).
 * <p>
 * No lock is held over I/O: membership changes are atomic map steps that only touch sets; sends happen after them.
 * Plain Java, so that it is tested without a container.
 */
public final class LocalRooms {

    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final Function<String, CompletableFuture<Void>> interestChanged;
    private final FanOut fanOut;

    /** Rooms whose messages are written on the thread that delivers them. */
    public LocalRooms(Function<String, CompletableFuture<Void>> interestChanged) {
        this(interestChanged, FanOut.INLINE);
    }

    /** Rooms whose large fan-outs are written through {@code fanOut}'s lanes. */
    public LocalRooms(Function<String, CompletableFuture<Void>> interestChanged, FanOut fanOut) {
        this.interestChanged = interestChanged;
        this.fanOut = fanOut;
    }

    /**
     * Adds a local member. Completes when the node receives the room's traffic. A connection that closed meanwhile
     * is taken out again (its departure may have missed this room) and the result is false.
     */
    public CompletableFuture<Boolean> attach(Connection connection, RoomRecord settings) {
        return attach(connection, settings, null);
    }

    /**
     * Adds a local member whose live messages wait in {@code catchUp} (when not null) until it is {@link #caughtUp}.
     */
    CompletableFuture<Boolean> attach(Connection connection, RoomRecord settings, CatchUp catchUp) {
        String roomId = settings.roomId();
        rooms.compute(roomId, (id, room) -> {
            Room joined = room == null ? new Room(settings) : room;
            if (catchUp != null) {
                joined.catchingUp.put(connection, catchUp); // before the member: a sender that sees it sees this
            }
            joined.members.add(connection);
            return joined;
        });
        connection.addRoom(roomId);
        if (connection.isClosed()) {
            detach(connection, roomId);
            return CompletableFuture.completedFuture(false);
        }
        return interestChanged.apply(roomId).thenApply(subscribed -> true);
    }

    /** The member caught up: its messages go straight to it again. */
    void caughtUp(Connection connection, String roomId) {
        Room room = rooms.get(roomId);
        if (room != null) {
            room.catchingUp.remove(connection);
        }
    }

    /**
     * Takes a connection out of a room's local fan-out; the room goes with its last local member. Returns false when
     * it was not a member.
     */
    public boolean detach(Connection connection, String roomId) {
        boolean[] removed = {false};
        boolean[] emptied = {false};
        rooms.computeIfPresent(roomId, (id, room) -> {
            removed[0] = room.members.remove(connection);
            room.catchingUp.remove(connection);
            emptied[0] = room.members.isEmpty();
            return emptied[0] ? null : room;
        });
        boolean wasMember = connection.removeRoom(roomId) || removed[0];
        if (emptied[0]) {
            interestChanged.apply(roomId);
        }
        return wasMember;
    }

    /** A departing connection leaves every room it was in here. */
    public void forget(Connection connection) {
        List.copyOf(connection.rooms()).forEach(roomId -> detach(connection, roomId));
    }

    /** The room is gone (deleted): returns its former local members, who are no longer in it. */
    public List<Connection> remove(String roomId) {
        Room room = rooms.remove(roomId);
        if (room == null) {
            return List.of();
        }
        interestChanged.apply(roomId);
        List<Connection> members = List.copyOf(room.members);
        members.forEach(member -> member.removeRoom(roomId));
        return members;
    }

    /** Queues a delivery for the local members except {@code except}; returns for how many. */
    public int deliver(String roomId, Delivery delivery, Connection except) {
        return deliver(roomId, delivery, except, 0);
    }

    /**
     * Queues a delivery of a room's message with {@code offset} (0 without history) for the local members except
     * {@code except}; a member still catching up gets it once it has caught up. Returns for how many.
     */
    public int deliver(String roomId, Delivery delivery, Connection except, long offset) {
        Room room = rooms.get(roomId);
        if (room == null) {
            return 0;
        }
        Map<Connection, CatchUp> catchingUp = room.catchingUp;
        int catchingUpCount = 0;
        List<Connection> receivers = new ArrayList<>(room.members.size());
        for (Connection member : room.members) {
            if (member == except) {
                continue;
            }
            CatchUp catchUp = catchingUp.isEmpty() ? null : catchingUp.get(member);
            if (catchUp != null) {
                if (catchUp.offer(delivery, offset)) {
                    catchingUpCount++;
                }
            } else if (member.queue(delivery)) {
                receivers.add(member);
            }
        }
        fanOut.flush(receivers);
        return receivers.size() + catchingUpCount;
    }

    /** Whether the node needs a room's traffic: it has local members there. */
    public boolean wanted(String roomId) {
        return rooms.containsKey(roomId);
    }

    public Set<String> wantedRooms() {
        return Collections.unmodifiableSet(rooms.keySet());
    }

    public Collection<Room> all() {
        return Collections.unmodifiableCollection(rooms.values());
    }

    public Optional<Room> room(String roomId) {
        return Optional.ofNullable(rooms.get(roomId));
    }

    public int size() {
        return rooms.size();
    }
}
