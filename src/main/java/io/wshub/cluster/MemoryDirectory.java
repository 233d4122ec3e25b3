package io.wshub.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory of a single node, in memory. No global lock: a user's connections change under that user's map entry,
 * a room's members under the room's lock.
 */
public final class MemoryDirectory implements Directory {

    private final NodeRecord node;
    private final ConcurrentHashMap<String, ClientRecord> clients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, MemoryRoom> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> roomsOfClient = new ConcurrentHashMap<>();

    private static final class MemoryRoom {
        final RoomRecord settings;
        final Set<String> members = ConcurrentHashMap.newKeySet();
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
    }

    public MemoryDirectory(String nodeId) {
        long now = System.currentTimeMillis();
        this.node = new NodeRecord(nodeId, now, now);
    }

    @Override
    public boolean addClient(ClientRecord client, int maxPerUser) {
        if (!index(client, maxPerUser)) {
            return false;
        }
        clients.put(client.clientId(), client);
        return true;
    }

    @Override
    public boolean updateClient(ClientRecord before, ClientRecord after, int maxPerUser) {
        if (!before.userId().equals(after.userId())) {
            if (!index(after, maxPerUser)) {
                return false;
            }
            unindex(before);
        }
        clients.put(after.clientId(), after);
        return true;
    }

    private boolean index(ClientRecord client, int maxPerUser) {
        boolean[] added = {false};
        users.compute(client.userId(), (id, set) -> {
            if (maxPerUser > 0 && set != null && set.size() >= maxPerUser && !set.contains(client.clientId())) {
                return set;
            }
            Set<String> result = set == null ? ConcurrentHashMap.newKeySet() : set;
            result.add(client.clientId());
            added[0] = true;
            return result;
        });
        return added[0];
    }

    private void unindex(ClientRecord client) {
        users.computeIfPresent(client.userId(), (id, set) -> {
            set.remove(client.clientId());
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void removeClient(ClientRecord client) {
        if (clients.remove(client.clientId()) == null) {
            return;
        }
        unindex(client);
        Set<String> joined = roomsOfClient.remove(client.clientId());
        if (joined != null) {
            joined.forEach(roomId -> leave(roomId, client.clientId()));
        }
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
    public long clientCount() {
        return clients.size();
    }

    @Override
    public long userCount() {
        return users.size();
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
            room.members.forEach(member -> forget(member, roomId));
            room.members.clear();
        }
        return true;
    }

    @Override
    public JoinOutcome join(String roomId, String clientId, RoomRecord autoCreate) {
        while (true) {
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
                if (room.members.contains(clientId)) {
                    return new JoinOutcome(JoinOutcome.Status.ALREADY_MEMBER, room.record());
                }
                int max = room.settings.maxMembers();
                if (max > 0 && room.members.size() >= max) {
                    return new JoinOutcome(JoinOutcome.Status.FULL, room.record());
                }
                room.members.add(clientId);
                room.expiresAt = 0;
                roomsOfClient.computeIfAbsent(clientId, id -> ConcurrentHashMap.newKeySet()).add(roomId);
                return new JoinOutcome(JoinOutcome.Status.JOINED, room.record());
            }
        }
    }

    @Override
    public boolean leave(String roomId, String clientId) {
        MemoryRoom room = rooms.get(roomId);
        if (room == null) {
            return false;
        }
        synchronized (room) {
            boolean removed = room.members.remove(clientId);
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
            return removed;
        }
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
        return room == null ? List.of() : new ArrayList<>(room.members);
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

    /** A single node is never given up. */
    @Override
    public boolean beat() {
        return true;
    }

    /** Nothing to write again: the memory is this node's own. */
    @Override
    public void register(NodeState state) {
    }

    @Override
    public int sweep() {
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
