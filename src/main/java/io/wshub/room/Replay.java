package io.wshub.room;

import io.wshub.cluster.History.Entry;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.Hub;
import io.wshub.hub.RoomPosition;

import java.util.Iterator;
import java.util.List;

/**
 * Feeds missed messages to a member as its send queue drains, so that a replay of a whole history never trips the
 * slow-consumer limit, then hands over to live delivery. Each message goes out as the push it was: its type and its
 * data (with its offset), at its original time.
 */
final class Replay implements Runnable {

    private final Connection connection;
    private final String roomId;
    private final Hub hub;
    private final Iterator<Entry> missed;
    private final Runnable then;

    Replay(Connection connection, String roomId, Hub hub, List<Entry> missed, Runnable then) {
        this.connection = connection;
        this.roomId = roomId;
        this.hub = hub;
        this.missed = missed.iterator();
        this.then = then;
    }

    @Override
    public void run() {
        while (missed.hasNext()) {
            if (!connection.isOpen() || !connection.rooms().contains(roomId)) {
                return; // gone, or left the room meanwhile: nothing more of it
            }
            if (!connection.hasRoom()) {
                connection.whenDrained(this);
                return;
            }
            Entry entry = missed.next();
            connection.send(new Delivery(hub.relayed(entry.type(), entry.data(), entry.timestamp()),
                    new RoomPosition(roomId, entry.offset(), null)));
        }
        then.run();
    }
}
