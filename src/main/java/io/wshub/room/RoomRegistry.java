package io.wshub.room;

import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.HubConfig;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The node's rooms: creation, membership and local fan-out. */
@ApplicationScoped
public class RoomRegistry {

    @Inject
    HubConfig config;
    @Inject
    LimitsConfig limits;
    @Inject
    HubMetrics metrics;

    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    /** Connection id to the ids of its rooms, for clean-up on disconnect. */
    private final ConcurrentHashMap<String, Set<String>> memberships = new ConcurrentHashMap<>();

    /**
     * Creates a room explicitly; it stays when empty.
     *
     * @param maxMembers the capacity, 0 for unlimited, null for {@code wshub.rooms.default-max-members}
     */
    public Room create(String roomId, String name, Integer maxMembers) {
        validateId(roomId);
        int capacity = maxMembers == null ? config.defaultMaxMembers() : maxMembers;
        Room room = new Room(roomId, name == null || name.isBlank() ? roomId : name, Math.max(0, capacity), false);
        if (rooms.putIfAbsent(roomId, room) != null) {
            throw new HubException(ErrorCode.ROOM_ALREADY_EXISTS, "room '" + roomId + "' already exists");
        }
        return room;
    }

    public Room join(Connection connection, String roomId) {
        validateId(roomId);
        int maxRooms = limits.maxRoomsPerConnection();
        if (maxRooms > 0 && roomsOf(connection).size() >= maxRooms && !isMember(connection, roomId)) {
            metrics.limitReached("max-rooms-per-connection");
            throw new HubException(ErrorCode.TOO_MANY_ROOMS, "a connection may be in at most " + maxRooms + " rooms");
        }
        while (true) {
            Room room = rooms.get(roomId);
            if (room == null) {
                if (!config.autoCreateRooms()) {
                    throw new HubException(ErrorCode.ROOM_NOT_FOUND, "room '" + roomId + "' does not exist");
                }
                room = rooms.computeIfAbsent(roomId,
                        id -> new Room(id, id, Math.max(0, config.defaultMaxMembers()), true));
            }
            synchronized (room) {
                if (room.removed) {
                    continue;
                }
                if (room.members.contains(connection)) {
                    throw new HubException(ErrorCode.ALREADY_IN_ROOM, "already in room '" + roomId + "'");
                }
                if (room.isFull()) {
                    metrics.limitReached("room-max-members");
                    throw new HubException(ErrorCode.ROOM_FULL,
                            "room '" + roomId + "' is full (" + room.maxMembers() + " members)");
                }
                room.members.add(connection);
                memberships.compute(connection.id(), (id, joined) -> {
                    Set<String> result = joined == null ? ConcurrentHashMap.newKeySet() : joined;
                    result.add(roomId);
                    return result;
                });
                // A disconnect that ran concurrently may have missed this room: undo, so nothing leaks.
                if (!connection.isOpen()) {
                    remove(room, connection);
                }
            }
            return room;
        }
    }

    public Room leave(Connection connection, String roomId) {
        validateId(roomId);
        Room room = rooms.get(roomId);
        if (room == null || !room.members.contains(connection)) {
            throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
        }
        synchronized (room) {
            if (!remove(room, connection)) {
                throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
            }
        }
        return room;
    }

    /** Removes a departing connection from all its rooms. */
    public void leaveAll(Connection connection) {
        Set<String> joined = memberships.remove(connection.id());
        if (joined == null) {
            return;
        }
        for (String roomId : joined) {
            Room room = rooms.get(roomId);
            if (room != null) {
                synchronized (room) {
                    remove(room, connection);
                }
            }
        }
    }

    /** The ids of the rooms a connection is in. */
    public Set<String> roomsOf(Connection connection) {
        Set<String> joined = memberships.get(connection.id());
        return joined == null ? Set.of() : Collections.unmodifiableSet(joined);
    }

    public boolean isMember(Connection connection, String roomId) {
        return roomsOf(connection).contains(roomId);
    }

    /** Deletes a room; its members are no longer in it. */
    public Optional<Room> delete(String roomId) {
        Room room = rooms.get(roomId);
        if (room == null) {
            return Optional.empty();
        }
        synchronized (room) {
            room.removed = true;
            rooms.remove(roomId, room);
            for (Connection member : room.members) {
                forget(member, roomId);
            }
            room.members.clear();
        }
        return Optional.of(room);
    }

    /**
     * Sends a message to the local members of a room except {@code except}; the message is encoded once for all of
     * them. Returns how many members it was queued for.
     */
    public int publish(String roomId, Outbound message, Connection except) {
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

    public Optional<Room> find(String roomId) {
        return Optional.ofNullable(rooms.get(roomId));
    }

    public Collection<Room> rooms() {
        return Collections.unmodifiableCollection(rooms.values());
    }

    public int roomCount() {
        return rooms.size();
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

    /** Caller holds the room's lock. Drops an emptied auto-created room. */
    private boolean remove(Room room, Connection connection) {
        boolean removed = room.members.remove(connection);
        forget(connection, room.id());
        if (room.members.isEmpty() && room.autoCreated() && !room.removed) {
            room.removed = true;
            rooms.remove(room.id(), room);
        }
        return removed;
    }

    private void forget(Connection connection, String roomId) {
        memberships.computeIfPresent(connection.id(), (id, joined) -> {
            joined.remove(roomId);
            return joined.isEmpty() ? null : joined;
        });
    }
}
