package io.wshub.cluster;

import java.util.List;
import java.util.function.Consumer;

/**
 * Room history: a room with history keeps its latest messages as a stream numbered by offset (1, 2, 3, ...) under an
 * epoch, a name for the stream that changes whenever the stream was lost (Redis restarted empty, the room was deleted,
 * the history expired).
 * <p>
 * Guarantees: a room's offsets are assigned atomically cluster-wide, without gap or duplicate. The offset, the append
 * and the hand-over to the nodes are one atomic step, so every node receives a room's messages in offset order, which
 * is the history's order: live delivery and history never disagree. The hand-over is a {@link Envelope} with
 * {@link Envelope#offset()} set, delivered by every node with members of the room, the appending node included
 * (through the {@link Bus} with Redis; through {@link #start}'s receiver, in offset order, in memory). Live delivery
 * is at most once, like the bus's; what a node missed is in the history for a client to recover. History is as
 * durable as its store: a stream lives {@code ttl} seconds after its last message, and at most its {@code size}
 * latest messages.
 * <p>
 * Idempotency: a publish with a key is appended at most once per room and key within {@link #IDEMPOTENCY_TTL_SECONDS};
 * a repeat gets the first publish's offset back and is not handed over again.
 * <p>
 * Implementations: {@link MemoryHistory} (one node: a bounded ring per room) and {@link RedisHistory} (one Redis
 * Stream per room, appended by a Lua script that also publishes). Methods wait for the store: callers on socket
 * threads run them as cluster calls.
 */
public interface History {

    int IDEMPOTENCY_TTL_SECONDS = 300;

    /** Where the memory engine hands appended messages, in offset order; the Redis engine publishes them instead. */
    void start(Consumer<Envelope> receiver);

    /** Appends a message to a room's history and hands it to every node with members of the room, atomically. */
    Appended append(Append message);

    /**
     * For a room without history: records an idempotency key. Returns true when it is new (publish the message),
     * false for a repeat within {@link #IDEMPOTENCY_TTL_SECONDS}.
     */
    boolean claim(String roomId, String idempotencyKey);

    /** The room's epoch and latest offset (0 when it has no message); a room without a stream gets a new epoch. */
    Position position(String roomId, int ttlSeconds);

    /**
     * Messages of a room, oldest first: those with an offset above {@code after}, or, with {@code after} negative,
     * the newest ones; at most {@code limit}.
     */
    Page read(String roomId, long after, int limit);

    /** Drops a room's history (the room was deleted): a room of that id starts a new epoch. */
    void forget(String roomId);

    /**
     * A message to append.
     *
     * @param data           its data, a JSON object text without {@code offset}: the engine adds the offset to it
     * @param except         the connection that sent it and does not receive it, or null
     * @param idempotencyKey null for none
     */
    record Append(String roomId, int size, int ttlSeconds, String origin, String type, String data, long timestamp,
                  String except, String idempotencyKey) {
    }

    /** Where a message went: its offset and the room's epoch; a repeated idempotency key is a duplicate. */
    record Appended(long offset, String epoch, boolean duplicate) {
    }

    record Position(String epoch, long offset) {
    }

    /** A message as history keeps it: {@code data} is exactly what members received, its offset included. */
    record Entry(long offset, String type, String data, long timestamp) {
    }

    /**
     * A read: the room's position, the oldest offset the history still holds (0 when empty) and the entries.
     */
    record Page(Position position, long oldest, List<Entry> entries) {

        /** Whether the read left messages out at either end. */
        public boolean leftOut(long after) {
            if (entries.isEmpty()) {
                return after >= 0 ? false : position.offset() > 0 && oldest > 0;
            }
            long first = entries.get(0).offset();
            long last = entries.get(entries.size() - 1).offset();
            return last < position.offset() || (after < 0 && first > oldest);
        }
    }

    /** {@code data} (a JSON object text) with {@code "offset": offset} added as its last member. */
    static String withOffset(String data, long offset) {
        return openObject(data) + separator(data) + "\"offset\":" + offset + "}";
    }

    /** The object text without its closing brace. */
    static String openObject(String data) {
        String trimmed = data.strip();
        if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
            throw new IllegalArgumentException("history data must be a JSON object");
        }
        String open = trimmed.substring(0, trimmed.length() - 1);
        return open.substring(1).isBlank() ? "{" : open;
    }

    /** The separator before an added member: none for an empty object. */
    static String separator(String data) {
        return openObject(data).length() == 1 ? "" : ",";
    }
}
