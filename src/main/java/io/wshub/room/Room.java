package io.wshub.room;

import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.hub.Connection;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A room as far as this node delivers it: its settings and its local members. It exists while it has local members.
 * Senders read the members without a lock; joins and leaves change them inside the registry map's atomic compute
 * steps, which do no I/O.
 */
public final class Room {

    private final RoomRecord settings;
    final Set<Connection> members = ConcurrentHashMap.newKeySet();
    /** Members that joined a room with history and have not caught up yet: their live messages wait there. */
    final ConcurrentHashMap<Connection, CatchUp> catchingUp = new ConcurrentHashMap<>();

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
