package io.wshub.room;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.JoinOutcome;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.Envelope;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Rooms: the {@link Directory} decides (existence, capacity, membership, cluster-wide); this registry keeps each room's
 * local members for fan-out, subscribes the node to a room's traffic while it has local members, and tells the other
 * nodes through the {@link Bus}.
 */
@ApplicationScoped
public class RoomRegistry {

    private static final Logger LOG = Logger.getLogger(RoomRegistry.class.getName());
    /** How long a join waits for the node's subscription to the room before answering anyway. */
    static final long SUBSCRIBE_WAIT_MILLIS = 2000;

    @Inject
    HubConfig config;
    @Inject
    LimitsConfig limits;
    @Inject
    HubMetrics metrics;
    @Inject
    Directory directory;
    @Inject
    Bus bus;
    @Inject
    Hub hub;

    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    /** Local connection id to the ids of its rooms, for clean-up on disconnect. */
    private final ConcurrentHashMap<String, Set<String>> memberships = new ConcurrentHashMap<>();

    /**
     * Creates a room explicitly; it stays when empty.
     *
     * @param maxMembers the capacity, 0 for unlimited, null for {@code wshub.rooms.default-max-members}
     */
    public RoomRecord create(String roomId, String name, Integer maxMembers) {
        validateId(roomId);
        int capacity = maxMembers == null ? config.defaultMaxMembers() : maxMembers;
        RoomRecord room = new RoomRecord(roomId, name == null || name.isBlank() ? roomId : name,
                Math.max(0, capacity), false, System.currentTimeMillis(), 0);
        return directory.createRoom(room).orElseThrow(
                () -> new HubException(ErrorCode.ROOM_ALREADY_EXISTS, "room '" + roomId + "' already exists"));
    }

    /**
     * A connection of this node joins. Returns once the node receives the room's traffic, so the member gets every
     * message sent after its {@code room_joined}.
     */
    public RoomRecord join(Connection connection, String roomId) {
        validateId(roomId);
        checkRoomLimit(roomsOf(connection), roomId);
        RoomRecord room = admit(connection.id(), roomId);
        CompletableFuture<Void> subscribed = attach(connection, room);
        try {
            subscribed.get(SUBSCRIBE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(Level.FINE, "subscription to room {0} not confirmed in time", roomId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return room;
    }

    /** Puts a connection into a room on behalf of the server (admin API); it is told with {@code room_joined}. */
    public void joinOnBehalf(String clientId, String roomId) {
        validateId(roomId);
        Optional<Connection> local = hub.connection(clientId);
        if (local.isPresent()) {
            RoomRecord room = join(local.get(), roomId);
            local.get().send(joined(room.roomId()));
            return;
        }
        ClientRecord client = hub.remoteClient(clientId);
        checkRoomLimit(directory.roomsOf(clientId), roomId);
        admit(clientId, roomId);
        bus.publishToNode(client.nodeId(), Envelope.control(Envelope.Kind.ATTACH, config.nodeId(), clientId, roomId,
                0, null));
    }

    /** Another node put a connection of this node into a room (the directory already counts it). */
    public void attached(String clientId, String roomId) {
        Optional<Connection> connection = hub.connection(clientId);
        Optional<RoomRecord> room = directory.room(roomId);
        if (connection.isEmpty() || room.isEmpty()) {
            directory.leave(roomId, clientId); // it went meanwhile: do not leave a member nobody delivers to
            return;
        }
        attach(connection.get(), room.get());
        connection.get().send(joined(roomId));
    }

    private void checkRoomLimit(Set<String> joined, String roomId) {
        int maxRooms = limits.maxRoomsPerConnection();
        if (maxRooms > 0 && joined.size() >= maxRooms && !joined.contains(roomId)) {
            metrics.limitReached("max-rooms-per-connection");
            throw new HubException(ErrorCode.TOO_MANY_ROOMS, "a connection may be in at most " + maxRooms + " rooms");
        }
    }

    /** The directory's atomic decision, as an exception when it is no. */
    private RoomRecord admit(String clientId, String roomId) {
        RoomRecord autoCreate = config.autoCreateRooms() ? new RoomRecord(roomId, roomId,
                Math.max(0, config.defaultMaxMembers()), true, System.currentTimeMillis(), 0) : null;
        JoinOutcome outcome = directory.join(roomId, clientId, autoCreate);
        return switch (outcome.status()) {
            case JOINED -> outcome.room();
            case NOT_FOUND -> throw new HubException(ErrorCode.ROOM_NOT_FOUND, "room '" + roomId + "' does not exist");
            case ALREADY_MEMBER -> throw new HubException(ErrorCode.ALREADY_IN_ROOM, "already in room '" + roomId + "'");
            case FULL -> {
                metrics.limitReached("room-max-members");
                throw new HubException(ErrorCode.ROOM_FULL,
                        "room '" + roomId + "' is full (" + outcome.room().maxMembers() + " members)");
            }
        };
    }

    /** Adds a local member; the room's first local member subscribes the node to the room. */
    private CompletableFuture<Void> attach(Connection connection, RoomRecord settings) {
        String roomId = settings.roomId();
        while (true) {
            Room room = rooms.computeIfAbsent(roomId, id -> new Room(settings));
            CompletableFuture<Void> subscribed = CompletableFuture.completedFuture(null);
            synchronized (room) {
                if (room.removed) {
                    continue;
                }
                if (room.members.isEmpty()) {
                    subscribed = bus.subscribe(roomId);
                }
                room.members.add(connection);
                memberships.computeIfAbsent(connection.id(), id -> ConcurrentHashMap.newKeySet()).add(roomId);
                // A disconnect that ran concurrently may have missed this room: undo, so nothing leaks.
                if (!connection.isOpen()) {
                    detach(room, connection);
                    leaveQuietly(roomId, connection.id());
                }
            }
            return subscribed;
        }
    }

    public void leave(Connection connection, String roomId) {
        validateId(roomId);
        Room room = rooms.get(roomId);
        if (room == null || !room.members.contains(connection)) {
            throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
        }
        synchronized (room) {
            if (!detach(room, connection)) {
                throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
            }
        }
        // Local delivery stopped above; while Redis is away the directory entry expires on its own.
        leaveQuietly(roomId, connection.id());
    }

    /** Takes a connection out of a room on behalf of the server (admin API); it is told with {@code room_left}. */
    public void leaveOnBehalf(String clientId, String roomId) {
        validateId(roomId);
        Optional<Connection> local = hub.connection(clientId);
        if (local.isPresent()) {
            leave(local.get(), roomId);
            local.get().send(left(roomId));
            return;
        }
        ClientRecord client = hub.remoteClient(clientId);
        if (!directory.leave(roomId, clientId)) {
            throw new HubException(ErrorCode.NOT_IN_ROOM, "client '" + clientId + "' is not in room '" + roomId + "'");
        }
        bus.publishToNode(client.nodeId(), Envelope.control(Envelope.Kind.DETACH, config.nodeId(), clientId, roomId,
                0, null));
    }

    /** Another node took a connection of this node out of a room. */
    public void detached(String clientId, String roomId) {
        Room room = rooms.get(roomId);
        Optional<Connection> connection = hub.connection(clientId);
        if (room == null || connection.isEmpty()) {
            return;
        }
        synchronized (room) {
            if (detach(room, connection.get())) {
                connection.get().send(left(roomId));
            }
        }
    }

    private void leaveQuietly(String roomId, String clientId) {
        try {
            directory.leave(roomId, clientId);
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "leave of {0} not recorded in the directory: {1}", new Object[]{roomId, e});
        }
    }

    /** Removes a departing connection from the local fan-out of all its rooms (the directory forgets it apart). */
    public void leaveAll(Connection connection) {
        Set<String> joined = memberships.remove(connection.id());
        if (joined == null) {
            return;
        }
        for (String roomId : joined) {
            Room room = rooms.get(roomId);
            if (room != null) {
                synchronized (room) {
                    detach(room, connection);
                }
            }
        }
    }

    /** The ids of the rooms a local connection is in. */
    public Set<String> roomsOf(Connection connection) {
        Set<String> joined = memberships.get(connection.id());
        return joined == null ? Set.of() : Collections.unmodifiableSet(joined);
    }

    public boolean isMember(Connection connection, String roomId) {
        return roomsOf(connection).contains(roomId);
    }

    /** Deletes a room everywhere; its members are told with {@code room_left}. */
    public void delete(String roomId) {
        if (!directory.deleteRoom(roomId)) {
            throw new HubException(ErrorCode.ROOM_NOT_FOUND, "no room '" + roomId + "'");
        }
        deleted(roomId);
        bus.publishToRoom(roomId, Envelope.control(Envelope.Kind.ROOM_DELETED, config.nodeId(), roomId, null, 0,
                null));
    }

    /** A room was deleted: its local members are out of it. */
    public void deleted(String roomId) {
        Room room = rooms.get(roomId);
        if (room == null) {
            return;
        }
        synchronized (room) {
            for (Connection member : List.copyOf(room.members)) {
                if (detach(room, member)) {
                    member.send(left(roomId));
                }
            }
        }
    }

    /**
     * Sends a message to the members of a room except {@code except}: to the local ones, encoded once for all of
     * them, and through the bus to the nodes with members. Returns how many local members it was queued for.
     */
    public int publish(String roomId, Outbound message, Connection except) {
        int sent = deliver(roomId, message, except);
        try {
            bus.publishToRoom(roomId, Envelope.message(Envelope.Kind.ROOM_MESSAGE, config.nodeId(), roomId, null,
                    message.type(), message.dataJson(), message.timestamp()));
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "room {0}: delivered on this node only: {1}", new Object[]{roomId, e});
        }
        return sent;
    }

    /** Delivers to the local members only. */
    public int deliver(String roomId, Outbound message, Connection except) {
        Room room = rooms.get(roomId);
        if (room == null) {
            return 0;
        }
        Delivery delivery = new Delivery(message);
        int sent = 0;
        for (Connection member : room.members) {
            if (member != except && member.send(delivery)) {
                sent++;
            }
        }
        return sent;
    }

    /** Rooms with members on this node. */
    public Collection<Room> localRooms() {
        return Collections.unmodifiableCollection(rooms.values());
    }

    public Optional<Room> localRoom(String roomId) {
        return Optional.ofNullable(rooms.get(roomId));
    }

    /** Throws 1001 unless the id is 1 to {@code wshub.rooms.max-id-length} printable characters. */
    public void validateId(String roomId) {
        if (roomId == null || roomId.isEmpty()) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "room_id must be a non-empty string");
        }
        if (roomId.length() > config.maxRoomIdLength()) {
            throw new HubException(ErrorCode.INVALID_FORMAT,
                    "room_id is longer than " + config.maxRoomIdLength() + " characters");
        }
        for (int i = 0; i < roomId.length(); i++) {
            if (Character.isISOControl(roomId.charAt(i))) {
                throw new HubException(ErrorCode.INVALID_FORMAT, "room_id must not contain control characters");
            }
        }
    }

    private Outbound joined(String roomId) {
        return hub.message("room_joined", Json.object().add("room_id", roomId).add("status", "joined").build()
                .toString(), null);
    }

    private Outbound left(String roomId) {
        return hub.message("room_left", Json.object().add("room_id", roomId).add("status", "left").build()
                .toString(), null);
    }

    /** Caller holds the room's lock. The room's last local member unsubscribes the node from it. */
    private boolean detach(Room room, Connection connection) {
        boolean removed = room.members.remove(connection);
        memberships.computeIfPresent(connection.id(), (id, joined) -> {
            joined.remove(room.id());
            return joined.isEmpty() ? null : joined;
        });
        if (room.members.isEmpty() && !room.removed) {
            room.removed = true;
            rooms.remove(room.id(), room);
            bus.unsubscribe(room.id());
        }
        return removed;
    }
}
