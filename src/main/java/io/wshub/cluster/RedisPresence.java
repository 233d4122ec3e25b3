package io.wshub.cluster;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Presence read from the keys the {@link RedisDirectory}'s scripts keep (see there): counts are HLEN/ZCARD/SCARD of
 * counters written with the membership (O(1), one round trip); a room's member list is scanned, never read whole, so
 * a large room costs only the entries returned.
 */
public final class RedisPresence implements Presence {

    /** Entries a room scan asks for per round. */
    private static final int SCAN_COUNT = 500;

    private final RedisConnection redis;
    private final RedisDirectory keys;

    public RedisPresence(RedisConnection redis, RedisDirectory directory) {
        this.redis = redis;
        this.keys = directory;
    }

    @Override
    public Totals totals() {
        return redis.call("counting connections and users", jedis -> {
            try (AbstractPipeline pipe = jedis.pipelined()) {
                Response<Long> clients = pipe.scard(keys.clientsKeyForPresence());
                Response<Long> users = pipe.zcard(keys.onlineUsersKey());
                pipe.sync();
                return new Totals(clients.get(), users.get());
            }
        });
    }

    @Override
    public List<String> onlineUsers(long offset, int limit) {
        // every score is 0: the zset orders its users by id
        return redis.call("listing online users",
                jedis -> jedis.zrange(keys.onlineUsersKey(), offset, offset + limit - 1));
    }

    @Override
    public Map<String, UserStatus> statuses(Collection<String> userIds) {
        List<String> ids = List.copyOf(userIds);
        return redis.call("reading user statuses", jedis -> {
            List<Response<Map<String, String>>> connections = new ArrayList<>(ids.size());
            List<Response<String>> seen = new ArrayList<>(ids.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                for (String id : ids) {
                    connections.add(pipe.hgetAll(keys.user(id)));
                    seen.add(pipe.get(keys.lastSeenKey(id)));
                }
                pipe.sync();
            }
            List<List<Response<String>>> platforms = new ArrayList<>(ids.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                for (Response<Map<String, String>> entries : connections) {
                    List<Response<String>> ofUser = new ArrayList<>();
                    entries.get().forEach((clientId, node) -> {
                        if (keys.isLive(node)) {
                            ofUser.add(pipe.hget(keys.clientKeyForPresence(clientId), "platform"));
                        }
                    });
                    platforms.add(ofUser);
                }
                pipe.sync();
            }
            long now = System.currentTimeMillis();
            Map<String, UserStatus> statuses = new LinkedHashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                if (platforms.get(i).isEmpty()) {
                    String lastSeen = seen.get(i).get();
                    statuses.put(ids.get(i), new UserStatus(false, List.of(),
                            lastSeen == null ? null : Long.parseLong(lastSeen)));
                    continue;
                }
                TreeSet<String> named = new TreeSet<>();
                for (Response<String> platform : platforms.get(i)) {
                    String value = platform.get();
                    if (value != null && !value.isEmpty()) {
                        named.add(value);
                    }
                }
                statuses.put(ids.get(i), new UserStatus(true, List.copyOf(named), now));
            }
            return statuses;
        });
    }

    @Override
    public Optional<RoomStats> roomStats(String roomId) {
        return redis.call("counting a room's members", jedis -> {
            try (AbstractPipeline pipe = jedis.pipelined()) {
                Response<Boolean> exists = pipe.exists(keys.roomKeyForPresence(roomId));
                Response<Long> clients = pipe.hlen(keys.membersKey(roomId));
                Response<Long> users = pipe.hlen(keys.roomUsersKey(roomId));
                pipe.sync();
                return exists.get() ? Optional.of(new RoomStats(roomId, clients.get(), users.get()))
                        : Optional.empty();
            }
        });
    }

    @Override
    public Optional<RoomPresence> roomPresence(String roomId, int max) {
        return redis.call("listing a room's members", jedis -> {
            if (!jedis.exists(keys.roomKeyForPresence(roomId))) {
                return Optional.empty();
            }
            List<Member> members = new ArrayList<>(Math.min(max, SCAN_COUNT));
            java.util.Set<String> seen = new java.util.HashSet<>();
            boolean truncated = false;
            String cursor = ScanParams.SCAN_POINTER_START;
            ScanParams params = new ScanParams().count(SCAN_COUNT);
            do {
                ScanResult<Map.Entry<String, String>> page = jedis.hscan(keys.membersKey(roomId), cursor, params);
                for (Map.Entry<String, String> entry : page.getResult()) {
                    Member member = member(entry.getKey(), entry.getValue());
                    // a scan may return an entry twice (the hash was resized meanwhile)
                    if (!keys.isLive(member.nodeId()) || !seen.add(member.clientId())) {
                        continue;
                    }
                    if (members.size() == max) {
                        truncated = true;
                        break;
                    }
                    members.add(member);
                }
                cursor = page.getCursor();
            } while (!truncated && !ScanParams.SCAN_POINTER_START.equals(cursor));
            return Optional.of(new RoomPresence(roomId, members, truncated));
        });
    }

    /** A membership entry: "node TAB joined-at TAB user" (an entry of an older version is just the node). */
    private static Member member(String clientId, String entry) {
        String[] parts = entry.split("\t", 3);
        if (parts.length < 3) {
            return new Member(clientId, "", parts[0], 0);
        }
        return new Member(clientId, parts[2], parts[0], Long.parseLong(parts[1]));
    }
}
