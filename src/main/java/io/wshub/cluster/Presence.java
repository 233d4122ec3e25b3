package io.wshub.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who is here: the members of a room with their user and node, room and cluster counts, and whether users are online.
 * <p>
 * What is exact: counts are counters kept in the same atomic step as the membership or connection they count (the
 * directory's join, leave, add and remove), so they are never read by listing, cost O(1) whatever the room's size, and
 * agree with the membership after any interleaving of joins and leaves on any nodes. Transitions are exact too: a
 * user goes online when its first connection anywhere is added and offline when its last one goes, once each, decided
 * in that same step, and the directory tells its {@link Listener} of each one exactly once.
 * <p>
 * What is eventually consistent: a node that dies holds its entries until another node's sweep removes them (at most
 * the node TTL later). Until then member lists and user statuses already hide them, but counts and the online users
 * still include them; the sweep then makes the transitions (member left, user offline) like a disconnect.
 * <p>
 * The Redis implementation reads what the directory's scripts write ({@link RedisDirectory}); the memory one reads
 * the {@link MemoryDirectory}. Every method of the Redis one throws {@link ClusterUnavailableException} while Redis
 * cannot be reached; callers on socket threads run them as cluster calls.
 */
public interface Presence {

    /** Connections and users of the whole cluster, O(1). */
    Totals totals();

    /** Online users, sorted by id; {@code offset} and {@code limit} page through them. */
    List<String> onlineUsers(long offset, int limit);

    /** The status of each of {@code userIds}, in one round trip or two whatever their number (at most a few hundred). */
    Map<String, UserStatus> statuses(Collection<String> userIds);

    /** A room's member and user counts, O(1); empty when there is no such room. */
    Optional<RoomStats> roomStats(String roomId);

    /** A room's members on live nodes, at most {@code max} of them; empty when there is no such room. */
    Optional<RoomPresence> roomPresence(String roomId, int max);

    record Totals(long clients, long users) {
    }

    /**
     * @param platforms the platforms of its connections, sorted, each once (a connection without one adds none)
     * @param lastSeen  when it was last connected (epoch ms): now while online, null when not seen within the
     *                  last-seen TTL
     */
    record UserStatus(boolean online, List<String> platforms, Long lastSeen) {
    }

    record RoomStats(String roomId, long clients, long users) {
    }

    record Member(String clientId, String userId, String nodeId, long joinedAt) {
    }

    record RoomPresence(String roomId, List<Member> clients, boolean truncated) {
    }

    /**
     * Told by the directory of each presence transition, once, on the node whose write caused it (for a dead node's
     * entries: the node whose sweep removed them). Called on the thread that wrote (a cluster call or the
     * heartbeat): it must not wait.
     * <p>
     * A user's transitions carry a version, taken in the same atomic step as the transition: a user's versions grow
     * in the order of its transitions, across nodes. Nodes tell them as they learn of them, which across nodes (and
     * the bus) may be in another order; whoever passes them on in order compares versions (the watchers' node).
     */
    interface Listener {
        Listener NONE = new Listener() {
        };

        /** A user's first connection in the cluster was added; {@code version} orders the user's transitions. */
        default void userOnline(String userId, String platform, long version) {
        }

        /** A user's last connection in the cluster went, at {@code lastSeen} (epoch ms). */
        default void userOffline(String userId, long lastSeen, long version) {
        }

        /** A connection joined a room with join/leave events on. */
        default void memberJoined(String roomId, String clientId, String userId) {
        }

        /** A connection left a room with join/leave events on (also by its disconnect, or its node's death). */
        default void memberLeft(String roomId, String clientId, String userId) {
        }
    }
}
