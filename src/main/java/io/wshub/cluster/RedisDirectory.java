package io.wshub.cluster;

import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ZAddParams;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The cluster's directory in Redis. Every entry a node writes carries an expiry (a sorted-set score or a key TTL)
 * that its heartbeat extends, so the entries of a node that died vanish within the node TTL. Decisions that must be
 * atomic cluster-wide (a user's connection limit, a room's capacity, create-if-absent) are Lua scripts.
 * <p>
 * Keys, under the prefix {@code p}: {@code p:clients} (zset client -> expiry), {@code p:client:<id>} (hash),
 * {@code p:client-rooms:<id>} (set), {@code p:user:<id>} (zset client -> expiry), {@code p:users} (zset user ->
 * expiry), {@code p:rooms} (zset room -> expiry, +inf for created rooms), {@code p:room:<id>} (hash of settings),
 * {@code p:members:<id>} (zset client -> expiry), {@code p:nodes} (zset node -> expiry), {@code p:node:<id>} (hash).
 * Scripts build keys from the prefix, so this targets one Redis (or a primary with replicas), not Redis Cluster.
 */
public final class RedisDirectory implements Directory {

    /** Shared by the scripts that take a connection out of a room. */
    private static final String LEAVE_FUNCTION = """
            local function leave(p, room, cid, now)
              local members = p .. ':members:' .. room
              local removed = redis.call('ZREM', members, cid)
              redis.call('SREM', p .. ':client-rooms:' .. cid, room)
              local settings = p .. ':room:' .. room
              if redis.call('HGET', settings, 'auto') == '1' then
                redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
                if redis.call('ZCARD', members) == 0 then
                  redis.call('DEL', settings, members)
                  redis.call('ZREM', p .. ':rooms', room)
                end
              end
              return removed
            end
            """;

    /** ARGV: p, client, user, now, expiry, maxPerUser, platform, authenticated, node, connectedAt. */
    private static final String ADD_CLIENT = """
            local p, cid, uid, now, exp, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
            local user = p .. ':user:' .. uid
            redis.call('ZREMRANGEBYSCORE', user, '-inf', now)
            if max > 0 and not redis.call('ZSCORE', user, cid) and redis.call('ZCARD', user) >= max then
              return 0
            end
            redis.call('ZADD', user, exp, cid)
            redis.call('ZADD', p .. ':users', 'GT', exp, uid)
            redis.call('ZADD', p .. ':clients', exp, cid)
            local client = p .. ':client:' .. cid
            redis.call('HSET', client, 'user', uid, 'platform', ARGV[7], 'auth', ARGV[8], 'node', ARGV[9],
              'since', ARGV[10])
            redis.call('PEXPIREAT', client, exp)
            return 1
            """;

    /** ARGV: p, client, user, now; also used when a connection changes user (the old user's entry). */
    private static final String UNINDEX_USER = """
            local p, cid, uid, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            local user = p .. ':user:' .. uid
            redis.call('ZREM', user, cid)
            redis.call('ZREMRANGEBYSCORE', user, '-inf', now)
            if redis.call('ZCARD', user) == 0 then
              redis.call('DEL', user)
              redis.call('ZREM', p .. ':users', uid)
            end
            """;

    /** ARGV: p, client, user, now. */
    private static final String REMOVE_CLIENT = LEAVE_FUNCTION + """
            local p, cid, uid, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            local joined = p .. ':client-rooms:' .. cid
            for _, room in ipairs(redis.call('SMEMBERS', joined)) do
              leave(p, room, cid, now)
            end
            redis.call('DEL', p .. ':client:' .. cid, joined)
            redis.call('ZREM', p .. ':clients', cid)
            """ + UNINDEX_USER;

    /** ARGV: p, room, client, now, expiry, autoCreate (0/1), name, maxMembers, createdAt -> {status, settings...}. */
    private static final String JOIN = """
            local p, room, cid, now, exp = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
            local settings = p .. ':room:' .. room
            local members = p .. ':members:' .. room
            if redis.call('EXISTS', settings) == 0 then
              if ARGV[6] ~= '1' then return {'not_found'} end
              redis.call('HSET', settings, 'name', ARGV[7], 'max', ARGV[8], 'auto', '1', 'created', ARGV[9])
              redis.call('ZADD', p .. ':rooms', exp, room)
            end
            local s = redis.call('HMGET', settings, 'name', 'max', 'auto', 'created')
            redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
            local count = redis.call('ZCARD', members)
            if redis.call('ZSCORE', members, cid) then
              return {'already_member', s[1], s[2], s[3], s[4], count}
            end
            local max = tonumber(s[2])
            if max > 0 and count >= max then return {'full', s[1], s[2], s[3], s[4], count} end
            redis.call('ZADD', members, exp, cid)
            local joined = p .. ':client-rooms:' .. cid
            redis.call('SADD', joined, room)
            redis.call('PEXPIREAT', joined, exp)
            if s[3] == '1' then redis.call('ZADD', p .. ':rooms', 'GT', exp, room) end
            return {'joined', s[1], s[2], s[3], s[4], count + 1}
            """;

    /** ARGV: p, room, client, now. */
    private static final String LEAVE = LEAVE_FUNCTION + "return leave(ARGV[1], ARGV[2], ARGV[3], ARGV[4])";

    /** ARGV: p, room, name, maxMembers, autoCreated (0/1), createdAt, expiry -> 1 created, 0 exists. */
    private static final String CREATE_ROOM = """
            local p, room = ARGV[1], ARGV[2]
            local settings = p .. ':room:' .. room
            if redis.call('EXISTS', settings) == 1 then return 0 end
            redis.call('HSET', settings, 'name', ARGV[3], 'max', ARGV[4], 'auto', ARGV[5], 'created', ARGV[6])
            redis.call('ZADD', p .. ':rooms', ARGV[5] == '1' and ARGV[7] or '+inf', room)
            return 1
            """;

    /** ARGV: p, room. */
    private static final String DELETE_ROOM = """
            local p, room = ARGV[1], ARGV[2]
            local settings = p .. ':room:' .. room
            local members = p .. ':members:' .. room
            if redis.call('EXISTS', settings) == 0 then return 0 end
            for _, cid in ipairs(redis.call('ZRANGE', members, 0, -1)) do
              redis.call('SREM', p .. ':client-rooms:' .. cid, room)
            end
            redis.call('DEL', settings, members)
            redis.call('ZREM', p .. ':rooms', room)
            return 1
            """;

    /** ARGV: p, now. Removes what expired with a dead node: auto-created rooms, users, clients, nodes. */
    private static final String SWEEP = """
            local p, now = ARGV[1], ARGV[2]
            for _, room in ipairs(redis.call('ZRANGEBYSCORE', p .. ':rooms', '-inf', now)) do
              redis.call('DEL', p .. ':room:' .. room, p .. ':members:' .. room)
            end
            redis.call('ZREMRANGEBYSCORE', p .. ':rooms', '-inf', now)
            for _, uid in ipairs(redis.call('ZRANGEBYSCORE', p .. ':users', '-inf', now)) do
              redis.call('DEL', p .. ':user:' .. uid)
            end
            redis.call('ZREMRANGEBYSCORE', p .. ':users', '-inf', now)
            redis.call('ZREMRANGEBYSCORE', p .. ':clients', '-inf', now)
            redis.call('ZREMRANGEBYSCORE', p .. ':nodes', '-inf', now)
            """;

    private final RedisConnection redis;
    private final String p;
    private final long ttlMillis;

    public RedisDirectory(RedisConnection redis, String keyPrefix, long ttlMillis) {
        this.redis = redis;
        this.p = keyPrefix;
        this.ttlMillis = ttlMillis;
    }

    private Object script(String script, Object... args) {
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add(p);
        for (Object arg : args) {
            argv.add(String.valueOf(arg));
        }
        return redis.call(jedis -> jedis.eval(script, List.of(), argv));
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private long expiry() {
        return now() + ttlMillis;
    }

    @Override
    public boolean addClient(ClientRecord client, int maxPerUser) {
        long now = now();
        return ((Long) script(ADD_CLIENT, client.clientId(), client.userId(), now, now + ttlMillis, maxPerUser,
                client.platform() == null ? "" : client.platform(), client.authenticated() ? 1 : 0, client.nodeId(),
                client.connectedAt())) == 1L;
    }

    @Override
    public boolean updateClient(ClientRecord before, ClientRecord after, int maxPerUser) {
        if (!addClient(after, before.userId().equals(after.userId()) ? 0 : maxPerUser)) {
            return false;
        }
        if (!before.userId().equals(after.userId())) {
            script(UNINDEX_USER, before.clientId(), before.userId(), now());
        }
        return true;
    }

    @Override
    public void removeClient(ClientRecord client) {
        script(REMOVE_CLIENT, client.clientId(), client.userId(), now());
    }

    @Override
    public Optional<ClientRecord> client(String clientId) {
        return clients(List.of(clientId)).stream().findFirst();
    }

    @Override
    public List<ClientRecord> clients(Collection<String> clientIds) {
        List<String> ids = List.copyOf(clientIds);
        List<Map<String, String>> hashes = hashes(":client:", ids);
        List<ClientRecord> found = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> fields = hashes.get(i);
            if (fields.containsKey("node")) {
                String platform = fields.getOrDefault("platform", "");
                found.add(new ClientRecord(ids.get(i), fields.get("user"), platform.isEmpty() ? null : platform,
                        "1".equals(fields.get("auth")), fields.get("node"),
                        Long.parseLong(fields.getOrDefault("since", "0"))));
            }
        }
        return found;
    }

    /** The hashes {@code p<kind><id>} of the ids, in one round trip; an absent one is empty. */
    private List<Map<String, String>> hashes(String kind, List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return redis.call(jedis -> {
            List<Response<Map<String, String>>> replies = new ArrayList<>(ids.size());
            try (PipelineBase pipe = jedis.pipelined()) {
                ids.forEach(id -> replies.add(pipe.hgetAll(p + kind + id)));
                pipe.sync();
            }
            return replies.stream().map(reply -> reply.get() == null ? Map.<String, String>of() : reply.get())
                    .toList();
        });
    }

    @Override
    public List<ClientRecord> clients() {
        return clients(live(p + ":clients"));
    }

    @Override
    public List<ClientRecord> clientsOfUser(String userId) {
        return clients(live(p + ":user:" + userId));
    }

    private List<String> live(String sortedSet) {
        return redis.call(jedis -> jedis.zrangeByScore(sortedSet, Long.toString(now()), "+inf"));
    }

    private long countLive(String sortedSet) {
        return redis.call(jedis -> jedis.zcount(sortedSet, Long.toString(now()), "+inf"));
    }

    @Override
    public long clientCount() {
        return countLive(p + ":clients");
    }

    @Override
    public long userCount() {
        return countLive(p + ":users");
    }

    @Override
    public Optional<RoomRecord> createRoom(RoomRecord room) {
        Object created = script(CREATE_ROOM, room.roomId(), room.name(), room.maxMembers(),
                room.autoCreated() ? 1 : 0, room.createdAt(), expiry());
        return (Long) created == 1L ? Optional.of(room.withMembers(0)) : Optional.empty();
    }

    @Override
    public Optional<RoomRecord> room(String roomId) {
        return rooms(List.of(roomId)).stream().findFirst();
    }

    private List<RoomRecord> rooms(List<String> roomIds) {
        if (roomIds.isEmpty()) {
            return List.of();
        }
        String now = Long.toString(now());
        return redis.call(jedis -> {
            List<Response<Map<String, String>>> settings = new ArrayList<>(roomIds.size());
            List<Response<Long>> counts = new ArrayList<>(roomIds.size());
            try (PipelineBase pipe = jedis.pipelined()) {
                for (String id : roomIds) {
                    settings.add(pipe.hgetAll(p + ":room:" + id));
                    counts.add(pipe.zcount(p + ":members:" + id, now, "+inf"));
                }
                pipe.sync();
            }
            List<RoomRecord> found = new ArrayList<>(roomIds.size());
            for (int i = 0; i < roomIds.size(); i++) {
                Map<String, String> fields = settings.get(i).get();
                int members = counts.get(i).get().intValue();
                boolean auto = "1".equals(fields.get("auto"));
                // an auto-created room whose members all expired (their node died) is gone
                if (fields.containsKey("max") && !(auto && members == 0)) {
                    found.add(new RoomRecord(roomIds.get(i), fields.get("name"), Integer.parseInt(fields.get("max")),
                            auto, Long.parseLong(fields.getOrDefault("created", "0")), members));
                }
            }
            return found;
        });
    }

    @Override
    public List<RoomRecord> rooms() {
        return rooms(live(p + ":rooms"));
    }

    @Override
    public long roomCount() {
        return countLive(p + ":rooms");
    }

    @Override
    public boolean deleteRoom(String roomId) {
        return (Long) script(DELETE_ROOM, roomId) == 1L;
    }

    @Override
    public JoinOutcome join(String roomId, String clientId, RoomRecord autoCreate) {
        long now = now();
        @SuppressWarnings("unchecked")
        List<Object> reply = (List<Object>) script(JOIN, roomId, clientId, now, now + ttlMillis,
                autoCreate == null ? 0 : 1, autoCreate == null ? "" : autoCreate.name(),
                autoCreate == null ? 0 : autoCreate.maxMembers(), now);
        JoinOutcome.Status status = switch ((String) reply.get(0)) {
            case "joined" -> JoinOutcome.Status.JOINED;
            case "full" -> JoinOutcome.Status.FULL;
            case "already_member" -> JoinOutcome.Status.ALREADY_MEMBER;
            default -> JoinOutcome.Status.NOT_FOUND;
        };
        if (status == JoinOutcome.Status.NOT_FOUND) {
            return new JoinOutcome(status, null);
        }
        return new JoinOutcome(status, new RoomRecord(roomId, (String) reply.get(1),
                Integer.parseInt((String) reply.get(2)), "1".equals(reply.get(3)),
                Long.parseLong((String) reply.get(4)), ((Long) reply.get(5)).intValue()));
    }

    @Override
    public boolean leave(String roomId, String clientId) {
        return (Long) script(LEAVE, roomId, clientId, now()) == 1L;
    }

    @Override
    public List<String> members(String roomId) {
        return live(p + ":members:" + roomId);
    }

    @Override
    public Set<String> roomsOf(String clientId) {
        return redis.call(jedis -> jedis.smembers(p + ":client-rooms:" + clientId));
    }

    @Override
    public List<NodeRecord> nodes() {
        List<String> ids = live(p + ":nodes");
        List<Map<String, String>> hashes = hashes(":node:", ids);
        List<NodeRecord> nodes = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> fields = hashes.get(i);
            nodes.add(new NodeRecord(ids.get(i), Long.parseLong(fields.getOrDefault("started", "0")),
                    Long.parseLong(fields.getOrDefault("heartbeat", "0"))));
        }
        return nodes;
    }

    @Override
    public void refresh(Supplier<NodeState> state, boolean reRegister) {
        NodeState local = state.get();
        long now = now();
        long expiry = now + ttlMillis;
        NodeRecord node = local.node();
        redis.call(jedis -> {
            if (reRegister) {
                // Redis may have lost everything (a restart without persistence): write the node's state anew.
                local.clients().forEach(client -> jedis.eval(ADD_CLIENT, List.of(), List.of(p, client.clientId(),
                        client.userId(), Long.toString(now), Long.toString(expiry), "0",
                        client.platform() == null ? "" : client.platform(), client.authenticated() ? "1" : "0",
                        client.nodeId(), Long.toString(client.connectedAt()))));
                for (Membership membership : local.memberships()) {
                    RoomRecord room = membership.room();
                    jedis.eval(CREATE_ROOM, List.of(), List.of(p, room.roomId(), room.name(),
                            Integer.toString(room.maxMembers()), room.autoCreated() ? "1" : "0",
                            Long.toString(room.createdAt()), Long.toString(expiry)));
                    jedis.zadd(p + ":members:" + room.roomId(), expiry, membership.clientId());
                    jedis.sadd(p + ":client-rooms:" + membership.clientId(), room.roomId());
                }
            }
            extend(jedis, local, expiry);
            jedis.zadd(p + ":nodes", expiry, node.nodeId());
            jedis.hset(p + ":node:" + node.nodeId(), Map.of("started", Long.toString(node.startedAt()),
                    "heartbeat", Long.toString(now)));
            jedis.pexpireAt(p + ":node:" + node.nodeId(), expiry);
            jedis.eval(SWEEP, List.of(), List.of(p, Long.toString(now)));
            return null;
        });
    }

    /** Moves the expiry of every entry of this node forward; entries removed meanwhile are not brought back (XX). */
    private void extend(JedisPooled jedis, NodeState local, long expiry) {
        ZAddParams existing = ZAddParams.zAddParams().xx();
        ZAddParams existingLater = ZAddParams.zAddParams().xx().gt();
        try (PipelineBase pipe = jedis.pipelined()) {
            for (ClientRecord client : local.clients()) {
                pipe.zadd(p + ":clients", expiry, client.clientId(), existing);
                pipe.zadd(p + ":user:" + client.userId(), expiry, client.clientId(), existing);
                pipe.zadd(p + ":users", expiry, client.userId(), existingLater);
                pipe.pexpireAt(p + ":client:" + client.clientId(), expiry);
                pipe.pexpireAt(p + ":client-rooms:" + client.clientId(), expiry);
            }
            for (Membership membership : local.memberships()) {
                RoomRecord room = membership.room();
                pipe.zadd(p + ":members:" + room.roomId(), expiry, membership.clientId(), existing);
                if (room.autoCreated()) {
                    pipe.zadd(p + ":rooms", expiry, room.roomId(), existingLater);
                }
            }
            pipe.sync();
        }
    }
}
