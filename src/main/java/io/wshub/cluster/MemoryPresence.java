package io.wshub.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Presence of a single node, read from the {@link MemoryDirectory}'s maps: counts are map sizes (O(1)), a room's
 * members its member map. Lists are weakly consistent snapshots of concurrent maps.
 */
public final class MemoryPresence implements Presence {

    private final MemoryDirectory directory;
    private final String nodeId;

    public MemoryPresence(MemoryDirectory directory, String nodeId) {
        this.directory = directory;
        this.nodeId = nodeId;
    }

    @Override
    public Totals totals() {
        return new Totals(directory.connectionCount(), directory.users().size());
    }

    @Override
    public List<String> onlineUsers(long offset, int limit) {
        // a single node holds few enough users to sort them per page
        return directory.users().keySet().stream().sorted().skip(offset).limit(limit).toList();
    }

    @Override
    public Map<String, UserStatus> statuses(Collection<String> userIds) {
        Map<String, UserStatus> statuses = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        for (String userId : userIds) {
            Set<String> clientIds = directory.users().get(userId);
            if (clientIds == null || clientIds.isEmpty()) {
                statuses.put(userId, new UserStatus(false, List.of(), directory.lastSeen(userId)));
                continue;
            }
            TreeSet<String> platforms = new TreeSet<>();
            directory.clients(clientIds).stream().map(Directory.ClientRecord::platform).filter(Objects::nonNull)
                    .forEach(platforms::add);
            statuses.put(userId, new UserStatus(true, List.copyOf(platforms), now));
        }
        return statuses;
    }

    @Override
    public Optional<RoomStats> roomStats(String roomId) {
        return room(roomId).map(room -> {
            synchronized (room) {
                return new RoomStats(roomId, room.members.size(), room.users.size());
            }
        });
    }

    @Override
    public Optional<RoomPresence> roomPresence(String roomId, int max) {
        return room(roomId).map(room -> {
            List<Member> members = new ArrayList<>(Math.min(max, room.members.size()));
            boolean truncated = false;
            for (var entry : room.members.entrySet()) {
                if (members.size() == max) {
                    truncated = true;
                    break;
                }
                members.add(new Member(entry.getKey(), entry.getValue().userId(), nodeId, entry.getValue().joinedAt()));
            }
            return new RoomPresence(roomId, members, truncated);
        });
    }

    private Optional<MemoryDirectory.MemoryRoom> room(String roomId) {
        return Optional.ofNullable(directory.roomMap().get(roomId)).filter(directory::isLive);
    }
}
