package io.wshub.room;

import io.wshub.hub.Connection;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A room: its members are read without a lock by senders; joins and leaves lock the room (never the registry), so
 * that the capacity check and the removal of an empty auto-created room are atomic.
 */
public final class Room {

    private final String id;
    private final String name;
    private final int maxMembers;
    private final boolean autoCreated;
    private final long createdAt = System.currentTimeMillis();
    final Set<Connection> members = ConcurrentHashMap.newKeySet();
    /** Set, under the room's lock, when the room left the registry; a joiner holding a stale reference retries. */
    boolean removed;

    Room(String id, String name, int maxMembers, boolean autoCreated) {
        this.id = id;
        this.name = name;
        this.maxMembers = maxMembers;
        this.autoCreated = autoCreated;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** 0 means unlimited. */
    public int maxMembers() {
        return maxMembers;
    }

    public boolean autoCreated() {
        return autoCreated;
    }

    public long createdAt() {
        return createdAt;
    }

    public Set<Connection> members() {
        return Collections.unmodifiableSet(members);
    }

    boolean isFull() {
        return maxMembers > 0 && members.size() >= maxMembers;
    }
}
