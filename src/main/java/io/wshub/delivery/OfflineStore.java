package io.wshub.delivery;

import java.util.List;

/**
 * Messages kept for users who have no connection (with {@code wshub.offline.enabled}), one ordered list per user.
 * Chosen by {@code wshub.bus} like the cluster's engines: {@link MemoryOfflineStore} for one node,
 * {@link RedisOfflineStore} for a cluster, where any node stores and any node replays.
 * <p>
 * Guarantees:
 * <ul>
 *     <li>Order: a user's messages are replayed in the order they were stored.</li>
 *     <li>Bounded: at most {@code max-per-user} per user; storing one more drops the oldest (and says how many).</li>
 *     <li>Expiry: a message older than the TTL (from its timestamp) is never replayed; a user's whole list expires
 *     a TTL after its last store.</li>
 *     <li>A message without an acknowledgement is taken out of the list by the {@link #take} that returns it, atomically,
 *     so two connections of a user never both receive it; a taker that cannot write it {@linkplain #putBack puts it
 *     back}. At most once, then: lost only if the node dies between taking and writing.</li>
 *     <li>A message with an acknowledgement stays until {@link #remove}d, which one caller only wins: replayed to
 *     every new connection of its user until acknowledged, at least once.</li>
 * </ul>
 * Methods may do I/O: call them as cluster calls, never on a socket thread.
 */
public interface OfflineStore {

    /** Appends a message to the user's list; returns how many of its oldest were dropped to stay within the bound. */
    int store(String userId, OfflineMessage message);

    /**
     * The user's live messages, oldest first. Those without an acknowledgement (and the expired) leave the list in
     * the same step; those with one stay.
     */
    List<OfflineMessage> take(String userId, long nowMillis);

    /** Returns taken messages that could not be written, ahead of the list, in their order. */
    void putBack(String userId, List<OfflineMessage> messages);

    /** Removes an acknowledged message; true for the one call that removed it. */
    boolean remove(String userId, OfflineMessage message);

    /** How many live messages the user has and when the oldest was sent. */
    Summary summary(String userId, long nowMillis);

    /** Drops the user's list; returns how many messages it held. */
    int clear(String userId);

    /** @param oldestTimestamp epoch ms of the oldest message, 0 for none */
    record Summary(int count, long oldestTimestamp) {
    }
}
