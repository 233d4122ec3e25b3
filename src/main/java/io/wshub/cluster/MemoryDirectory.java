package io.wshub.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The directory of a single node, in memory. No global lock: a user's connections change under that user's map entry,
 * a room's members (and its count of users) under the room's lock. The presence listener is told after the lock is
 * released.
 */
public final class MemoryDirectory implements Directory {

    private final NodeRecord node;
    private final ConcurrentHashMap<String, ClientRecord> clients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, MemoryRoom> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> roomsOfClient = new ConcurrentHashMap<>();
    /** When each user was last connected (epoch ms), for the last-seen TTL; pruned by {@link #sweep}. */
    private final ConcurrentHashMap<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final long lastSeenTtlMillis;
    private volatile Presence.Listener listener = Presence.Listener.NONE;
    /** The last presence version given: one counter for all users (a user's versions only need to grow). */
    private final AtomicLong presenceClock = new AtomicLong();

    /** A member: who it is and since when. */
    record MemberEntry(String userId, long joinedAt) {
    }

    static final class MemoryRoom {
        final RoomRecord settings;
        /** client id -> entry; changed under the room's lock, read without it. */
        final Map<String, MemberEntry> members = new ConcurrentHashMap<>();
        /** user id -> its connections in the room; under the room's lock. */
        final Map<String, Integer> users = new HashMap<>();
        /** Set under the room's lock when it leaves the map; a joiner holding it retries. */
        boolean removed;
        /** An emptied auto-created room with history lives until then (epoch ms; 0: for good). */
        volatile long expiresAt;

        MemoryRoom(RoomRecord settings) {
            this.settings = settings;
        }

        RoomRecord record() {
            return settings.withMembers(members.size());
        }

        void removeUser(String userId) {
            users.computeIfPresent(userId, (id, count) -> count > 1 ? count - 1 : null);
        }
    }

    public MemoryDirectory(String nodeId) {
        this(nodeId, 30L * 24 * 3600 * 1000);
    }

    public MemoryDirectory(String nodeId, long lastSeenTtlMillis) {
        long now = System.currentTimeMillis();
        this.node = new NodeRecord(nodeId, now, now);
        this.lastSeenTtlMillis = lastSeenTtlMillis;
    }

    @Override
    public void listen(Presence.Listener listener) {
        this.listener = listener;
    }

    @Override
    public boolean addClient(ClientRecord client, int maxPerUser) {
        // in the map before the user's index, so that a user that is online has its connections' records
        ClientRecord previous = clients.put(client.clientId(), client);
        long indexed = index(client, maxPerUser);
        if (indexed == REFUSED) {
            if (previous == null) {
                clients.remove(client.clientId(), client);
            } else {
                clients.put(client.clientId(), previous);
            }
            return false;
        }
        if (indexed > 0) {
            listener.userOnline(client.userId(), client.platform(), indexed);
        }
        return true;
    }

    @Override
    public boolean updateClient(ClientRecord before, ClientRecord after, int maxPerUser) {
        if (!before.userId().equals(after.userId())) {
            long indexed = index(after, maxPerUser);
            if (indexed == REFUSED) {
                return false;
            }
            clients.put(after.clientId(), after);
            retagMemberships(after);
            Offline wentOffline = unindex(before);
            if (indexed > 0) {
                listener.userOnline(after.userId(), after.platform(), indexed);
            }
            if (wentOffline != null) {
                listener.userOffline(before.userId(), wentOffline.lastSeen(), wentOffline.version());
            }
            return true;
        }
        clients.put(after.clientId(), after);
        return true;
    }

    private static final long REFUSED = -1;

    /**
     * {@link #REFUSED} when the user is at its limit, 0 when added, else (its first connection) the user's presence
     * version: taken in the same step as the transition, so a user's versions grow in the order of its transitions.
     */
    private long index(ClientRecord client, int maxPerUser) {
        long[] result = {REFUSED};
        users.compute(client.userId(), (id, set) -> {
            if (maxPerUser > 0 && set != null && set.size() >= maxPerUser && !set.contains(client.clientId())) {
                return set;
            }
            Set<String> indexed = set == null ? ConcurrentHashMap.newKeySet() : set;
            result[0] = indexed.add(client.clientId()) && indexed.size() == 1 ? presenceClock.incrementAndGet() : 0;
            return indexed;
        });
        return result[0];
    }

    /** A user's going offline: when (now) and its presence version. */
    private record Offline(long lastSeen, long version) {
    }

    /** When it was the user's last connection: its going offline, else null. */
    private Offline unindex(ClientRecord client) {
        Offline[] last = {null};
        users.computeIfPresent(client.userId(), (id, set) -> {
            if (set.remove(client.clientId()) && set.isEmpty()) {
                last[0] = new Offline(System.currentTimeMillis(), presenceClock.incrementAndGet());
                lastSeen.put(id, last[0].lastSeen());
                return null;
            }
            return set;
        });
        return last[0];
    }

    /** A connection that became another user counts as that user in its rooms. */
    private void retagMemberships(ClientRecord after) {
        for (String roomId : roomsOf(after.clientId())) {
            MemoryRoom room = rooms.get(roomId);
            if (room == null) {
                continue;
            }
            synchronized (room) {
                MemberEntry entry = room.members.get(after.clientId());
                if (entry != null && !entry.userId().equals(after.userId())) {
                    room.removeUser(entry.userId());
                    room.users.merge(after.userId(), 1, Integer::sum);
                    room.members.put(after.clientId(), new MemberEntry(after.userId(), entry.joinedAt()));
                }
            }
        }
    }

    @Override
    public void removeClient(ClientRecord client) {
        ClientRecord removed = clients.remove(client.clientId());
        if (removed == null) {
            return;
        }
        Set<String> joined = roomsOfClient.remove(client.clientId());
        if (joined != null) {
            joined.forEach(roomId -> leave(roomId, client.clientId()));
        }
        Offline wentOffline = unindex(removed);
        if (wentOffline != null) {
            listener.userOffline(removed.userId(), wentOffline.lastSeen(), wentOffline.version());
        }
    }

    // presence reads, for MemoryPresence

    int connectionCount() {
        return clients.size();
    }

    Map<String, Set<String>> users() {
        return users;
    }

    Map<String, MemoryRoom> roomMap() {
        return rooms;
    }

    boolean isLive(MemoryRoom room) {
        return live(room);
    }

    /** When a user that is offline was last seen, if within the TTL. */
    Long lastSeen(String userId) {
        Long seen = lastSeen.get(userId);
        return seen == null || seen + lastSeenTtlMillis < System.currentTimeMillis() ? null : seen;
    }

    @Override
    public Optional<ClientRecord> client(String clientId) {
        return Optional.ofNullable(clients.get(clientId));
    }

    @Override
    public List<ClientRecord> clients(Collection<String> clientIds) {
        return clientIds.stream().map(clients::get).filter(Objects::nonNull).toList();
    }

    @Override
    public List<ClientRecord> clients() {
        return List.copyOf(clients.values());
    }

    @Override
    public List<ClientRecord> clientsOfUser(String userId) {
        return clients(users.getOrDefault(userId, Set.of()));
    }

    @Override
    public Optional<RoomRecord> createRoom(RoomRecord room) {
        MemoryRoom created = new MemoryRoom(room.withMembers(0));
        return rooms.putIfAbsent(room.roomId(), created) == null ? Optional.of(created.record()) : Optional.empty();
    }

    @Override
    public Optional<RoomRecord> room(String roomId) {
        return Optional.ofNullable(rooms.get(roomId)).filter(this::live).map(MemoryRoom::record);
    }

    @Override
    public List<RoomRecord> rooms() {
        return rooms.values().stream().filter(this::live).map(MemoryRoom::record).toList();
    }

    @Override
    public long roomCount() {
        return rooms.values().stream().filter(this::live).count();
    }

    /** False for an emptied room whose time ran out; it leaves the map then. */
    private boolean live(MemoryRoom room) {
        long expiresAt = room.expiresAt;
        if (expiresAt == 0 || System.currentTimeMillis() < expiresAt) {
            return true;
        }
        synchronized (room) {
            if (room.expiresAt != 0 && room.members.isEmpty() && !room.removed) {
                room.removed = true;
                rooms.remove(room.settings.roomId(), room);
            }
        }
        return false;
    }

    @Override
    public boolean deleteRoom(String roomId) {
        MemoryRoom room = rooms.get(roomId);
        if (room == null) {
            return false;
        }
        synchronized (room) {
            room.removed = true;
            rooms.remove(roomId, room);
            room.members.keySet().forEach(member -> forget(member, roomId));
            room.members.clear();
            room.users.clear();
        }
        return true;
    }

    @Override
    public JoinOutcome join(String roomId, String clientId, RoomRecord autoCreate) {
        ClientRecord client = clients.get(clientId);
        String userId = client == null ? "" : client.userId();
        while (true) {
            JoinOutcome joined;
            MemoryRoom room = rooms.get(roomId);
            if (room == null) {
                if (autoCreate == null) {
                    return new JoinOutcome(JoinOutcome.Status.NOT_FOUND, null);
                }
                room = rooms.computeIfAbsent(roomId, id -> new MemoryRoom(autoCreate.withMembers(0)));
            }
            if (!live(room)) {
                continue;
            }
            synchronized (room) {
                if (room.removed) {
                    continue;
                }
                if (room.members.containsKey(clientId)) {
                    return new JoinOutcome(JoinOutcome.Status.ALREADY_MEMBER, room.record());
                }
                int max = room.settings.maxMembers();
                if (max > 0 && room.members.size() >= max) {
                    return new JoinOutcome(JoinOutcome.Status.FULL, room.record());
                }
                room.members.put(clientId, new MemberEntry(userId, System.currentTimeMillis()));
                room.users.merge(userId, 1, Integer::sum);
                room.expiresAt = 0;
                roomsOfClient.computeIfAbsent(clientId, id -> ConcurrentHashMap.newKeySet()).add(roomId);
                joined = new JoinOutcome(JoinOutcome.Status.JOINED, room.record());
            }
            if (joined.room().joinLeaveEvents()) {
                listener.memberJoined(roomId, clientId, userId);
            }
            return joined;
        }
    }

    @Override
    public boolean leave(String roomId, String clientId) {
        MemoryRoom room = rooms.get(roomId);
        if (room == null) {
            return false;
        }
        MemberEntry removed;
        synchronized (room) {
            removed = room.members.remove(clientId);
            if (removed != null) {
                room.removeUser(removed.userId());
            }
            forget(clientId, roomId);
            if (room.members.isEmpty() && room.settings.autoCreated() && !room.removed) {
                if (room.settings.hasHistory()) {
                    // kept while its history lives, so that its members can still recover
                    room.expiresAt = System.currentTimeMillis() + Math.max(1, room.settings.historyTtl()) * 1000L;
                } else {
                    room.removed = true;
                    rooms.remove(roomId, room);
                }
            }
        }
        if (removed != null && room.settings.joinLeaveEvents()) {
            listener.memberLeft(roomId, clientId, removed.userId());
        }
        return removed != null;
    }

    private void forget(String clientId, String roomId) {
        roomsOfClient.computeIfPresent(clientId, (id, joined) -> {
            joined.remove(roomId);
            return joined.isEmpty() ? null : joined;
        });
    }

    @Override
    public List<String> members(String roomId) {
        MemoryRoom room = rooms.get(roomId);
        return room == null ? List.of() : new ArrayList<>(room.members.keySet());
    }

    @Override
    public Set<String> roomsOf(String clientId) {
        Set<String> joined = roomsOfClient.get(clientId);
        return joined == null ? Set.of() : Collections.unmodifiableSet(joined);
    }

    @Override
    public List<NodeRecord> nodes() {
        return List.of(new NodeRecord(node.nodeId(), node.startedAt(), System.currentTimeMillis()));
    }

    /** No other node. */
    @Override
    public long nextExpiry() {
        return 0;
    }

    /** A single node is never given up. */
    @Override
    public boolean beat() {
        return true;
    }

    /** Nothing to write again: the memory is this node's own. */
    @Override
    public void register(NodeState state) {
    }

    /** Nothing dies on a single node; last-seen times older than their TTL go. */
    @Override
    public int sweep() {
        long oldest = System.currentTimeMillis() - lastSeenTtlMillis;
        lastSeen.values().removeIf(seen -> seen < oldest);
        return 0;
    }

    @Override
    public void deregister() {
    }

    @Override
    public boolean needsRegister() {
        return false;
    }
}
