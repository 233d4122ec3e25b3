package io.wshub.room;

import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;

import java.util.ArrayDeque;

/**
 * A member joining a room with history, until it has caught up: the room's live messages wait here while the member
 * is told where it joins ({@code room_joined} with the room's offset) and replayed what it missed; then what waited
 * above the replay's last offset is sent and the messages flow directly again. No gap, no duplicate, no reordering,
 * as long as the room's messages are offered in offset order (one thread at a time per room: the bus's subscriber, or
 * the memory history's hand-over).
 * <p>
 * The monitor guards only the buffer and the state: sends happen outside it.
 */
final class CatchUp {

    /** Live messages held while a replay runs; beyond it the member cannot keep up and is closed as slow. */
    static final int MAX_HELD = 100_000;

    private final Connection connection;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private boolean live;
    private boolean overflowed;
    /** The highest offset sent to the member: by the release until live, then by the room's deliveries. */
    private long delivered;
    private Runnable whenLive;

    private record Held(long offset, Delivery delivery) {
    }

    CatchUp(Connection connection) {
        this.connection = connection;
    }

    /**
     * A live message of the room with its offset (0 for one that is not in the history, such as a join/leave event):
     * held until the member caught up, then sent unless it had it already.
     */
    boolean offer(Delivery delivery, long offset) {
        synchronized (this) {
            if (!live) {
                if (held.size() >= MAX_HELD) {
                    overflowed = true;
                    return false;
                }
                held.addLast(new Held(offset, delivery));
                return true;
            }
            if (offset != 0) {
                if (offset <= delivered) {
                    return false;
                }
                delivered = offset;
            }
        }
        return connection.send(delivery);
    }

    /**
     * The member has everything up to {@code offset} (it was told so, or replayed it): what waited above it is sent,
     * in order and as the member's queue drains, and then live messages go straight through and {@code then} runs.
     * Called once.
     */
    void release(long offset, Runnable then) {
        synchronized (this) {
            delivered = offset;
            whenLive = then;
        }
        sendHeld();
    }

    private void sendHeld() {
        while (true) {
            Held next = null;
            Runnable then = null;
            boolean overflow = false;
            boolean wait = false;
            synchronized (this) {
                if (overflowed) {
                    live = true;
                    held.clear();
                    overflow = true;
                } else if (held.isEmpty()) {
                    live = true;
                    then = whenLive;
                } else if (!connection.hasRoom()) {
                    wait = true;
                } else {
                    next = held.pollFirst();
                    if (next.offset() != 0) { // 0: not a message of the history (a join/leave event): never had
                        if (next.offset() <= delivered) {
                            continue; // the member had it already (replayed, or before its room_joined)
                        }
                        delivered = next.offset();
                    }
                }
            }
            if (overflow) {
                connection.close(1008, "slow consumer");
                return;
            }
            if (wait) {
                connection.whenDrained(this::sendHeld);
                return;
            }
            if (next == null) {
                if (then != null) {
                    then.run();
                }
                return;
            }
            if (!connection.send(next.delivery())) {
                return; // closed
            }
        }
    }

    Connection connection() {
        return connection;
    }
}
