package io.wshub.room;

import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.hub.Connection;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A room as far as this node delivers it: its settings and its local members. It exists while it has local members.
 * Senders read the members without a lock; joins and leaves lock the room, so that the first join subscribes the node
 * to the room's traffic and the last leave unsubscribes it, in order.
 */
public final class Room {

    private final RoomRecord settings;
    final Set<Connection> members = ConcurrentHashMap.newKeySet();
    /** Set, under the room's lock, when the room left the registry; a joiner holding a stale reference retries. */
    boolean removed;

    Room(RoomRecord settings) {
        this.settings = settings.withMembers(0);
    }

    public String id() {
        return settings.roomId();
    }

    /** Name, capacity, auto-creation and creation time, as the directory had them when this node first needed it. */
    public RoomRecord settings() {
        return settings;
    }

    public Set<Connection> members() {
        return Collections.unmodifiableSet(members);
    }
}
