package io.wshub.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who is connected where and which rooms exist, for the whole cluster: connections with their user, platform and node;
 * rooms with their settings and members; the live nodes. Who is here, counted and listed for people to see, is the
 * {@link Presence} engine's, which reads what the directory writes; the directory tells a {@link Presence.Listener}
 * of the presence transitions its writes make.
 * <p>
 * Guarantees: limits that must hold cluster-wide (connections per user, room capacity) and create-if-absent are
 * decided atomically. Every connection entry, and every membership, belongs to its node: it lives while the node
 * heartbeats ({@link #beat}), is hidden from reads as soon as the node's TTL passes, and is removed by another node's
 * {@link #sweep} in bounded steps. Rooms created explicitly outlive nodes until deleted; auto-created rooms go with
 * their last member. Methods wait for Redis: callers on socket threads run them as cluster calls.
 * <p>
 * Implementations: {@link MemoryDirectory} (one node) and {@link RedisDirectory}. Every method of the Redis one throws
 * {@link ClusterUnavailableException} while Redis cannot be reached, and {@link ClusterFailureException} when it
 * answers with an error.
 */
public interface Directory {

    /** Who to tell of presence transitions; set once, before the first connection. */
    void listen(Presence.Listener listener);

    // connections and users

    /** Registers a connection unless its user already has {@code maxPerUser} (0: no limit) live connections. */
    boolean addClient(ClientRecord client, int maxPerUser);

    /** The connection now acts as another user (after a login); false when that user is at its limit. */
    boolean updateClient(ClientRecord before, ClientRecord after, int maxPerUser);

    /** Forgets a connection and its room memberships. */
    void removeClient(ClientRecord client);

    Optional<ClientRecord> client(String clientId);

    /** The records of those of {@code clientIds} that are connected, in no particular order. */
    List<ClientRecord> clients(Collection<String> clientIds);

    List<ClientRecord> clients();

    List<ClientRecord> clientsOfUser(String userId);

    // rooms

    /** Creates a room that stays when empty; empty when the id is taken. */
    Optional<RoomRecord> createRoom(RoomRecord room);

    Optional<RoomRecord> room(String roomId);

    List<RoomRecord> rooms();

    long roomCount();

    /** Deletes a room and its memberships; false when there is no such room. */
    boolean deleteRoom(String roomId);

    /**
     * Adds a connection to a room if it exists (or creates it from {@code autoCreate} when that is not null) and has
     * room, as one atomic step.
     */
    JoinOutcome join(String roomId, String clientId, RoomRecord autoCreate);

    /**
     * False when the connection was not in the room. An emptied auto-created room goes; one with history stays for
     * its history's TTL (so that its members can still recover), and a join makes it stay for good again.
     */
    boolean leave(String roomId, String clientId);

    List<String> members(String roomId);

    Set<String> roomsOf(String clientId);

    // nodes

    /** The nodes whose heartbeat has not expired. */
    List<NodeRecord> nodes();

    /**
     * This node's heartbeat: keeps it and its entries alive for the node TTL. False when the cluster had given the
     * node up meanwhile (a pause longer than the TTL: its entries were swept, or Redis lost them): the node must then
     * {@link #register} its state again.
     */
    boolean beat();

    /**
     * When the earliest expiry of another live node's heartbeat falls (epoch ms, as of this node's last beat), or 0
     * when there is none.
     */
    long nextExpiry();

    /**
     * Writes this node's whole state, replacing what the directory had of it: entries it no longer has go, the
     * others are written again. Idempotent.
     */
    void register(NodeState state);

    /**
     * Removes what nodes whose heartbeat expired left behind (their connections and memberships), in steps of a few
     * entries each, so that no single step holds Redis up. Returns how many connections it removed.
     */
    int sweep();

    /** Removes this node and everything it owns now (graceful shutdown): the others see it gone at once. */
    void deregister();

    /**
     * True when a write may have been lost (Redis was unreachable while the node changed): the heartbeat then
     * registers the node's state again.
     */
    boolean needsRegister();

    /** A connection as the cluster sees it. {@code platform} may be null. */
    record ClientRecord(String clientId, String userId, String platform, boolean authenticated, String nodeId,
                        long connectedAt) {
    }

    /**
     * A room's settings and, when read, its member count.
     *
     * @param maxMembers  0 means unlimited
     * @param historySize messages its history keeps, 0 for none
     * @param historyTtl  seconds its history lives after its last message
     * @param joinLeaveEvents whether its members are told of each join and leave ({@code member_joined/left})
     */
    record RoomRecord(String roomId, String name, int maxMembers, boolean autoCreated, long createdAt, int members,
                      int historySize, int historyTtl, boolean joinLeaveEvents) {

        /** A room without history and without join/leave events. */
        public RoomRecord(String roomId, String name, int maxMembers, boolean autoCreated, long createdAt,
                          int members) {
            this(roomId, name, maxMembers, autoCreated, createdAt, members, 0, 0, false);
        }

        /** A room without join/leave events. */
        public RoomRecord(String roomId, String name, int maxMembers, boolean autoCreated, long createdAt,
                          int members, int historySize, int historyTtl) {
            this(roomId, name, maxMembers, autoCreated, createdAt, members, historySize, historyTtl, false);
        }

        public RoomRecord withMembers(int count) {
            return new RoomRecord(roomId, name, maxMembers, autoCreated, createdAt, count, historySize, historyTtl,
                    joinLeaveEvents);
        }

        public boolean hasHistory() {
            return historySize > 0;
        }
    }

    record JoinOutcome(Status status, RoomRecord room) {
        public enum Status { JOINED, NOT_FOUND, FULL, ALREADY_MEMBER }
    }

    record NodeRecord(String nodeId, long startedAt, long lastHeartbeat) {
    }

    /** What a node holds locally: its connections and, per connection, the rooms it is in. */
    record NodeState(List<ClientRecord> clients, List<Membership> memberships) {
    }

    record Membership(RoomRecord room, String clientId) {
    }
}
