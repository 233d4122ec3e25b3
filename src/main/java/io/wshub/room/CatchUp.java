package io.wshub.room;

import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;

import java.util.ArrayList;
import java.util.List;

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
    private List<Held> held = new ArrayList<>();
    private boolean live;
    private boolean overflowed;
    /** The highest offset sent to the member once live. */
    private long delivered;

    private record Held(long offset, Delivery delivery) {
    }

    CatchUp(Connection connection) {
        this.connection = connection;
    }

    /** A live message of the room: held until the member caught up, then sent unless it had it already. */
    boolean offer(Delivery delivery, long offset) {
        synchronized (this) {
            if (!live) {
                if (held.size() >= MAX_HELD) {
                    overflowed = true;
                    return false;
                }
                held.add(new Held(offset, delivery));
                return true;
            }
            if (offset <= delivered) {
                return false;
            }
            delivered = offset;
        }
        return connection.send(delivery);
    }

    /**
     * The member has everything up to {@code offset} (it was told so, or replayed it): what waited above it is sent,
     * in order, and from then on live messages go straight through. Called once.
     */
    void release(long offset) {
        long last = offset;
        while (true) {
            List<Held> batch;
            synchronized (this) {
                if (overflowed) {
                    live = true;
                    connection.close(1008, "slow consumer");
                    return;
                }
                if (held.isEmpty()) {
                    delivered = Math.max(delivered, last);
                    live = true;
                    return;
                }
                batch = held;
                held = new ArrayList<>();
            }
            for (Held message : batch) {
                if (message.offset() > last) {
                    connection.send(message.delivery());
                    last = message.offset();
                }
            }
        }
    }

    Connection connection() {
        return connection;
    }
}
