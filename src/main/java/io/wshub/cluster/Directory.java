package io.wshub.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Who is connected where and which rooms exist, for the whole cluster: connections with their user, platform and node;
 * rooms with their settings and members; the live nodes. Limits that must hold cluster-wide (connections per user,
 * room capacity) are decided here atomically. Entries of a node that stops heartbeating expire after the node TTL.
 * <p>
 * Implementations: {@link MemoryDirectory} (one node) and {@link RedisDirectory}. Every method of the Redis one throws
 * {@link ClusterUnavailableException} while Redis cannot be reached.
 */
public interface Directory {

    // connections and users

    /** Registers a connection unless its user already has {@code maxPerUser} (0: no limit) connections. */
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

    long clientCount();

    long userCount();

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

    /** False when the connection was not in the room. An emptied auto-created room goes. */
    boolean leave(String roomId, String clientId);

    List<String> members(String roomId);

    Set<String> roomsOf(String clientId);

    // nodes

    List<NodeRecord> nodes();

    /**
     * The heartbeat: extends this node's entries by the node TTL; with {@code reRegister} (after Redis came back)
     * writes them all again first, so a Redis that lost its data learns the node's state anew. The node's state is
     * asked for only by a directory that keeps entries elsewhere.
     */
    void refresh(Supplier<NodeState> local, boolean reRegister);

    /** A connection as the cluster sees it. {@code platform} may be null. */
    record ClientRecord(String clientId, String userId, String platform, boolean authenticated, String nodeId,
                        long connectedAt) {
    }

    /**
     * A room's settings and, when read, its member count.
     *
     * @param maxMembers 0 means unlimited
     */
    record RoomRecord(String roomId, String name, int maxMembers, boolean autoCreated, long createdAt, int members) {

        public RoomRecord withMembers(int count) {
            return new RoomRecord(roomId, name, maxMembers, autoCreated, createdAt, count);
        }
    }

    record JoinOutcome(Status status, RoomRecord room) {
        public enum Status { JOINED, NOT_FOUND, FULL, ALREADY_MEMBER }
    }

    record NodeRecord(String nodeId, long startedAt, long lastHeartbeat) {
    }

    /** What a node holds locally: its connections and, per connection, the rooms it is in. */
    record NodeState(NodeRecord node, List<ClientRecord> clients, List<Membership> memberships) {
    }

    record Membership(RoomRecord room, String clientId) {
    }
}
