package io.wshub.room;

import io.wshub.cdi.Unproxied;
import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.JoinOutcome;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.Envelope;
import io.wshub.cluster.History;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.Hub;
import io.wshub.hub.HubScheduler;
import io.wshub.hub.HubConfig;
import io.wshub.hub.Messenger;
import io.wshub.hub.RoomPosition;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Rooms: the {@link Directory} decides (existence, capacity, membership, cluster-wide); this registry keeps each room's
 * local members for fan-out, has the node receive a room's traffic through the {@link Bus} while it has local
 * members, and tells the other nodes.
 * <p>
 * No lock is held over I/O: local membership changes are atomic map steps that only touch sets; directory calls run
 * as {@link ClusterCalls}; sends and (un)subscriptions happen after the bookkeeping, outside any lock. Subscriptions
 * are not commands that could overtake each other: the bus asks the registry whether the node still wants a room when
 * it gets to it, so the last change always wins.
 */
@ApplicationScoped
public class RoomRegistry implements Unproxied<RoomRegistry> {

    private static final Logger LOG = Logger.getLogger(RoomRegistry.class.getName());
    /** The longest {@code idempotency_key} of a room publish. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 64;

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
    @Inject
    Messenger messenger;
    @Inject
    ClusterCalls cluster;
    @Inject
    History history;
    @Inject
    RoomHistory roomHistory;
    @Inject
    HubScheduler scheduler;

    private LocalRooms local;

    @PostConstruct
    void init() {
        hub = hub.direct().get();
        metrics = metrics.direct().get();
        messenger = messenger.direct().get();
        cluster = cluster.direct().get();
        local = new LocalRooms(roomId -> bus.interestChanged(roomId), scheduler.fanOut());
        // Local bookkeeping only; the directory forgets the connection's memberships with the connection itself.
        hub.onDeparture(connection -> local.forget(connection));
        metrics.gauge("wshub_rooms_current", "Rooms with members on this node", () -> local.size());
    }

    /** Whether the node needs a room's traffic: it has local members there. The bus asks. */
    public boolean wanted(String roomId) {
        return local.wanted(roomId);
    }

    /** The rooms the node needs the traffic of. */
    public Set<String> wantedRooms() {
        return local.wantedRooms();
    }

    /**
     * Creates a room explicitly; it stays when empty. Waits for the directory: call it from a backend's thread.
     *
     * @param maxMembers  the capacity, 0 for unlimited, null for {@code wshub.rooms.default-max-members}
     * @param historySize messages kept, 0 for none, null for {@code wshub.rooms.history-size}
     * @param historyTtl  seconds, null for {@code wshub.rooms.history-ttl}
     * @param joinLeaveEvents null for {@code wshub.rooms.join-leave-events}
     */
    public RoomRecord create(String roomId, String name, Integer maxMembers, Integer historySize, Integer historyTtl,
                             Boolean joinLeaveEvents) {
        validateId(roomId);
        int capacity = maxMembers == null ? config.defaultMaxMembers() : maxMembers;
        RoomRecord room = new RoomRecord(roomId, name == null || name.isBlank() ? roomId : name,
                Math.max(0, capacity), false, System.currentTimeMillis(), 0,
                historySize == null ? config.historySize() : Math.max(0, historySize),
                historyTtl == null ? config.historyTtl() : Math.max(1, historyTtl),
                joinLeaveEvents == null ? config.joinLeaveEvents() : joinLeaveEvents);
        return directory.createRoom(room).orElseThrow(
                () -> new HubException(ErrorCode.ROOM_ALREADY_EXISTS, "room '" + roomId + "' already exists"));
    }

    /**
     * A connection of this node joins, and is told with {@code room_joined} (answering {@code requestId}, null for
     * none) once the node receives the room's traffic, so that the member gets every message sent after it. In a room
     * with history, {@code room_joined} says where the member joins (offset, epoch) and, when it asks to
     * {@code recover}, whether it did; the messages it missed follow, then live ones, without gap or duplicate.
     */
    public CompletableFuture<Void> join(Connection connection, String roomId, RoomHistory.Recover recover,
                                        Long requestId) {
        validateId(roomId);
        checkRoomLimit(connection.rooms(), roomId);
        return cluster.call(() -> admit(connection.id(), roomId))
                .thenCompose(room -> enter(connection, room, recover, requestId)).thenApply(entered -> null);
    }

    /** Puts a connection of any node into a room on behalf of the server (admin API); it is told with {@code room_joined}. */
    public CompletableFuture<Void> joinOnBehalf(String clientId, String roomId) {
        validateId(roomId);
        Optional<Connection> local = hub.connection(clientId);
        if (local.isPresent()) {
            return join(local.get(), roomId, null, null);
        }
        return messenger.remoteClient(clientId).thenCompose(client -> cluster.call(() -> {
            checkRoomLimit(directory.roomsOf(clientId), roomId);
            admit(clientId, roomId);
            bus.publishToNode(client.nodeId(), Envelope.control(Envelope.Kind.ATTACH, config.nodeId(), clientId,
                    roomId, 0, null));
            return null;
        }));
    }

    /** Another node put a connection of this node into a room (the directory already counts it). */
    public void attached(String clientId, String roomId) {
        Optional<Connection> connection = hub.connection(clientId);
        cluster.call(() -> directory.room(roomId)).thenAccept(room -> {
            if (connection.isEmpty() || room.isEmpty() || !connection.get().isOpen()) {
                // it went meanwhile: do not leave a member nobody delivers to
                cluster.run("leave of a departed member", () -> directory.leave(roomId, clientId));
                return;
            }
            enter(connection.get(), room.get(), null, null);
        });
    }

    /**
     * Makes an admitted connection a local member and tells it with {@code room_joined}. In a room with history its
     * live messages wait in a {@link CatchUp} until it was told the room's position and replayed what it missed.
     * Completes with false when the connection went meanwhile.
     */
    private CompletableFuture<Boolean> enter(Connection connection, RoomRecord room, RoomHistory.Recover recover,
                                             Long requestId) {
        String roomId = room.roomId();
        if (!room.hasHistory()) {
            return attach(connection, room, null).thenApply(attached -> {
                if (attached) {
                    connection.send(joined(roomId, null, recover == null ? null : false, requestId));
                    if (recover != null) {
                        metrics.recovery(false);
                    }
                }
                return attached;
            });
        }
        CatchUp catchUp = new CatchUp(connection);
        return attach(connection, room, catchUp).thenCompose(attached -> {
            if (!attached) {
                return CompletableFuture.completedFuture(false);
            }
            return cluster.call(() -> roomHistory.plan(room, recover)).handle((plan, failure) -> {
                if (failure != null) {
                    // not told where it joins: it is not a member after all
                    local.detach(connection, roomId);
                    cluster.run("leave after a failed join", () -> directory.leave(roomId, connection.id()));
                    throw new java.util.concurrent.CompletionException(Messenger.unwrap(failure));
                }
                // a recovering member stands at its own offset until the replay brings it to the room's
                long standsAt = Boolean.TRUE.equals(plan.recovered()) ? recover.offset() : plan.position().offset();
                connection.send(new Delivery(joined(roomId, plan.position(), plan.recovered(), requestId),
                        new RoomPosition(roomId, standsAt, plan.position().epoch())));
                if (plan.recovered() != null) {
                    metrics.recovery(plan.recovered());
                }
                long upTo = plan.position().offset();
                new Replay(connection, roomId, hub, plan.missed(),
                        () -> catchUp.release(upTo, () -> local.caughtUp(connection, roomId))).run();
                return true;
            });
        });
    }

    private void checkRoomLimit(Set<String> joined, String roomId) {
        int maxRooms = limits.maxRoomsPerConnection();
        if (maxRooms > 0 && joined.size() >= maxRooms && !joined.contains(roomId)) {
            metrics.limitReached("max-rooms-per-connection");
            throw new HubException(ErrorCode.TOO_MANY_ROOMS, "a connection may be in at most " + maxRooms + " rooms");
        }
    }

    /** The directory's atomic decision, as an exception when it is no. Runs as a cluster call. */
    private RoomRecord admit(String clientId, String roomId) {
        RoomRecord autoCreate = config.autoCreateRooms() ? new RoomRecord(roomId, roomId,
                Math.max(0, config.defaultMaxMembers()), true, System.currentTimeMillis(), 0, config.historySize(),
                config.historyTtl(), config.joinLeaveEvents()) : null;
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

    /** Adds a local member; a connection that closed meanwhile also leaves the room in the directory again. */
    private CompletableFuture<Boolean> attach(Connection connection, RoomRecord settings, CatchUp catchUp) {
        // the subscription is confirmed on the bus's thread: what follows runs on a worker
        return cluster.onWorker(local.attach(connection, settings, catchUp)).thenApply(attached -> {
            if (!attached) {
                cluster.run("leave of a departed member", () -> directory.leave(settings.roomId(), connection.id()));
            }
            return attached;
        });
    }

    /** A connection of this node leaves; completes when the directory has it out. 3003 when it is not a member. */
    public CompletableFuture<Void> leave(Connection connection, String roomId) {
        validateId(roomId);
        if (!local.detach(connection, roomId)) {
            throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
        }
        return cluster.call(() -> directory.leave(roomId, connection.id())).handle((left, failure) -> {
            if (failure != null && !(Messenger.unwrap(failure) instanceof ClusterUnavailableException)) {
                LOG.log(Level.WARNING, "leave of " + roomId + " not recorded in the directory",
                        Messenger.unwrap(failure));
            }
            return null; // delivery stopped already; without Redis the resync after the outage corrects it
        });
    }

    /** Takes a connection of any node out of a room on behalf of the server (admin API); it is told with {@code room_left}. */
    public CompletableFuture<Void> leaveOnBehalf(String clientId, String roomId) {
        validateId(roomId);
        Optional<Connection> local = hub.connection(clientId);
        if (local.isPresent()) {
            return leave(local.get(), roomId).thenRun(() -> local.get().send(left(roomId)));
        }
        return messenger.remoteClient(clientId).thenCompose(client -> cluster.call(() -> {
            if (!directory.leave(roomId, clientId)) {
                throw new HubException(ErrorCode.NOT_IN_ROOM, "client '" + clientId + "' is not in room '"
                        + roomId + "'");
            }
            bus.publishToNode(client.nodeId(), Envelope.control(Envelope.Kind.DETACH, config.nodeId(), clientId,
                    roomId, 0, null));
            return null;
        }));
    }

    /** Another node took a connection of this node out of a room. */
    public void detached(String clientId, String roomId) {
        hub.connection(clientId).ifPresent(connection -> {
            if (local.detach(connection, roomId)) {
                connection.send(left(roomId));
            }
        });
    }

    /** The ids of the rooms a local connection is in. */
    public Set<String> roomsOf(Connection connection) {
        return connection.rooms();
    }

    public boolean isMember(Connection connection, String roomId) {
        return connection.rooms().contains(roomId);
    }

    /**
     * Deletes a room everywhere, with its history; its members are told with {@code room_left}. Waits for the
     * directory.
     */
    public void delete(String roomId) {
        if (!directory.deleteRoom(roomId)) {
            throw new HubException(ErrorCode.ROOM_NOT_FOUND, "no room '" + roomId + "'");
        }
        roomHistory.forget(roomId);
        deleted(roomId);
        bus.publishToRoom(roomId, Envelope.control(Envelope.Kind.ROOM_DELETED, config.nodeId(), roomId, null, 0,
                null));
    }

    /** A room was deleted: its local members are out of it, and told so. */
    public void deleted(String roomId) {
        Delivery notice = new Delivery(left(roomId));
        local.remove(roomId).forEach(member -> member.send(notice));
    }

    /**
     * Sends a message to the members of a room except {@code except}: through the bus to the nodes with members,
     * published first (the publish only queues it) so that they fan out while this node does, then to the local
     * ones, encoded once for all of them. Returns how many local members it was queued for.
     */
    public int publish(String roomId, Outbound message, Connection except) {
        try {
            bus.publishToRoom(roomId, Envelope.message(Envelope.Kind.ROOM_MESSAGE, config.nodeId(), roomId, null,
                    message.type(), message.dataJson(), message.timestamp()));
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "room {0}: delivered on this node only: {1}", new Object[]{roomId, e});
        }
        return deliver(roomId, message, except);
    }

    /**
     * Publishes a message to a room on behalf of a member ({@code except}, who does not receive it) or of the server
     * (null). In a room with history the message gets its offset (added to {@code data}) and is delivered by every
     * node from the bus, in offset order; otherwise as {@link #publish(String, Outbound, Connection)}. With an
     * idempotency key used in the room within 5 minutes, nothing is published and the first offset is returned.
     *
     * @param data a JSON object text, without {@code offset}
     */
    public CompletableFuture<Published> publish(RoomRecord room, String type, String data, long timestamp,
                                                Connection except, String idempotencyKey) {
        String roomId = room.roomId();
        if (room.hasHistory()) {
            History.Append append = new History.Append(roomId, room.historySize(), room.historyTtl(), config.nodeId(),
                    type, data, timestamp, except == null ? null : except.id(), idempotencyKey);
            return cluster.call(() -> history.append(append)).thenApply(appended -> {
                if (!appended.duplicate()) {
                    metrics.historyAppended();
                }
                return new Published(appended.offset(), appended.duplicate(), 0);
            });
        }
        if (idempotencyKey == null) {
            return CompletableFuture.completedFuture(new Published(null, false,
                    publish(roomId, hub.message(type, data, null), except)));
        }
        return cluster.call(() -> history.claim(roomId, idempotencyKey)).thenApply(fresh -> fresh
                ? new Published(null, false, publish(roomId, hub.message(type, data, null), except))
                : new Published(null, true, 0));
    }

    /**
     * What a publish did: the message's offset (null without history), whether it repeated an idempotency key (and
     * was not published again), and for how many members of this node it was queued here (0 with history: the bus
     * brings it back to every node).
     */
    public record Published(Long offset, boolean duplicate, int queuedHere) {
    }

    /** Delivers to the local members only. */
    public int deliver(String roomId, Outbound message, Connection except) {
        return local.deliver(roomId, new Delivery(message), except);
    }

    /** Delivers a message of another node (or of the history's hand-over) to the local members. */
    public int deliver(String roomId, Outbound message, String exceptClientId, long offset) {
        Connection except = exceptClientId == null ? null : hub.connection(exceptClientId).orElse(null);
        RoomPosition position = offset > 0 ? new RoomPosition(roomId, offset, null) : null;
        return local.deliver(roomId, new Delivery(message, position), except, offset);
    }

    /** Rooms with members on this node. */
    public Collection<Room> localRooms() {
        return local.all();
    }

    public Optional<Room> localRoom(String roomId) {
        return local.room(roomId);
    }

    /** Throws 1001 unless the id is 1 to {@code wshub.rooms.max-id-length} printable characters. */
    public void validateId(String roomId) {
        RoomIds.validate(roomId, config.maxRoomIdLength());
    }

    private Outbound joined(String roomId, History.Position position, Boolean recovered, Long requestId) {
        var joined = Json.object().add("room_id", roomId).add("status", "joined");
        if (position != null) {
            joined.add("offset", position.offset()).add("epoch", position.epoch());
        }
        if (recovered != null) {
            joined.add("recovered", recovered);
        }
        return hub.message("room_joined", joined.build().toString(), requestId);
    }

    private Outbound left(String roomId) {
        return hub.message("room_left", Json.object().add("room_id", roomId).add("status", "left").build()
                .toString(), null);
    }
}
