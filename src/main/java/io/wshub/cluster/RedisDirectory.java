package io.wshub.cluster;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;
import redis.clients.jedis.resps.Tuple;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The cluster's directory in Redis.
 * <p>
 * Ownership and lifetime: every connection entry belongs to its node. A node's heartbeat refreshes one entry, its own
 * (O(1), whatever its number of connections). When a node's heartbeat is older than the node TTL, reads hide its
 * connections and memberships at once, and the next heartbeat of any live node claims it: its set of connections is
 * renamed to a dead set (O(1)), which sweeps then empty a few connections per script. A node that was claimed while
 * it was merely paused notices at its next heartbeat and registers its whole state again, with a new epoch, so a
 * sweep still running on its old entries leaves the new ones alone.
 * <p>
 * Keys, under the prefix {@code p}: {@code p:nodes} (zset node -> expiry), {@code p:node:<id>} (hash: started,
 * heartbeat, epoch), {@code p:node-clients:<id>} (set), {@code p:dead} (set of dead sets),
 * {@code p:dead:<epoch>:<node>} (set), {@code p:clients} (set), {@code p:client:<id>} (hash: user, platform, auth,
 * node, since, epoch), {@code p:client-rooms:<id>} (set), {@code p:online-users} (zset of user ids, all scored 0 so
 * that they page in id order), {@code p:user:<id>} (hash client -> node), {@code p:last-seen:<user>} (epoch ms, expires
 * after the last-seen TTL), {@code p:rooms} (set), {@code p:room:<id>} (hash: name, max, auto, created, hsize, httl,
 * jle), {@code p:members:<id>} (hash client -> "node TAB joined-at TAB user"), {@code p:room-users:<id>} (hash user ->
 * its connections in the room). Atomic decisions are the Lua scripts of {@link RedisScripts}, which get every key in
 * KEYS; the counts {@link RedisPresence} reads are kept by the same scripts, in the same step as what they count.
 */
public final class RedisDirectory implements Directory {

    /** Connections removed per pipelined round of a sweep; each is one short script. */
    static final int SWEEP_BATCH = 100;
    /** Pipelined commands per round trip when a node writes its whole state. */
    static final int REGISTER_BATCH = 500;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RedisConnection redis;
    private final String p;
    private final String nodeId;
    private final long ttlMillis;
    private final long lastSeenTtlMillis;
    private volatile Presence.Listener listener = Presence.Listener.NONE;
    private final long startedAt = System.currentTimeMillis();
    private volatile String epoch = newEpoch();
    /** Live nodes and their expiry, as last read; refreshed on each beat and when a read meets an unknown node. */
    private volatile Map<String, Long> nodeExpiry = Map.of();
    private volatile boolean needsRegister = true;

    public RedisDirectory(RedisConnection redis, String keyPrefix, String nodeId, long ttlMillis,
                          long lastSeenTtlMillis) {
        this.redis = redis;
        this.p = keyPrefix;
        this.nodeId = nodeId;
        this.ttlMillis = ttlMillis;
        this.lastSeenTtlMillis = lastSeenTtlMillis;
    }

    @Override
    public void listen(Presence.Listener listener) {
        this.listener = listener;
    }

    private static String newEpoch() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    // keys

    private String nodesKey() {
        return p + ":nodes";
    }

    private String nodeKey(String id) {
        return p + ":node:" + id;
    }

    private String nodeClients(String id) {
        return p + ":node-clients:" + id;
    }

    private String deadSets() {
        return p + ":dead";
    }

    private String clientsKey() {
        return p + ":clients";
    }

    private String clientKey(String id) {
        return p + ":client:" + id;
    }

    private String clientRooms(String id) {
        return p + ":client-rooms:" + id;
    }

    String onlineUsersKey() {
        return p + ":online-users";
    }

    /** The last presence version given (the scripts' {@code presence_version}). */
    private String presenceClockKey() {
        return p + ":presence-clock";
    }

    String user(String id) {
        return p + ":user:" + id;
    }

    String lastSeenKey(String userId) {
        return p + ":last-seen:" + userId;
    }

    String clientsKeyForPresence() {
        return clientsKey();
    }

    String clientKeyForPresence(String id) {
        return clientKey(id);
    }

    private String roomsKey() {
        return p + ":rooms";
    }

    private String roomKey(String id) {
        return roomKey(p, id);
    }

    /** A room's settings hash; the history refreshes its expiry. */
    static String roomKey(String prefix, String id) {
        return prefix + ":room:" + id;
    }

    String membersKey(String id) {
        return p + ":members:" + id;
    }

    String roomUsersKey(String id) {
        return p + ":room-users:" + id;
    }

    String roomKeyForPresence(String id) {
        return roomKey(id);
    }

    /** The node of a membership entry ("node TAB joined-at TAB user"; an entry of an older version is the node). */
    static String nodeOf(String membership) {
        int tab = membership.indexOf('\t');
        return tab < 0 ? membership : membership.substring(0, tab);
    }

    /** A write: when Redis is unreachable, the node's state is written again once it is back. */
    private <T> T write(String what, Function<JedisPooled, T> commands) {
        try {
            return redis.call(what, commands);
        } catch (ClusterUnavailableException e) {
            needsRegister = true;
            throw e;
        }
    }

    private static List<String> args(Object... values) {
        List<String> list = new ArrayList<>(values.length);
        for (Object value : values) {
            list.add(value == null ? "" : String.valueOf(value));
        }
        return list;
    }

    // connections and users

    @Override
    public boolean addClient(ClientRecord client, int maxPerUser) {
        long added = write("adding a connection", jedis -> addClient(jedis, client, maxPerUser));
        if (added > 1L) { // the user's presence version: it came online
            listener.userOnline(client.userId(), client.platform(), added);
        }
        return added != 0L;
    }

    private long addClient(JedisPooled jedis, ClientRecord client, int maxPerUser) {
        return (Long) RedisScripts.ADD_CLIENT.run(jedis, addClientKeys(client), addClientArgs(client, maxPerUser));
    }

    private List<String> addClientKeys(ClientRecord client) {
        return List.of(clientKey(client.clientId()), user(client.userId()), onlineUsersKey(), clientsKey(),
                nodeClients(client.nodeId()), nodesKey(), presenceClockKey());
    }

    private List<String> addClientArgs(ClientRecord client, int maxPerUser) {
        return args(client.clientId(), client.userId(), client.platform(), client.authenticated() ? 1 : 0,
                client.nodeId(), client.connectedAt(), epoch, maxPerUser, now());
    }

    @Override
    public boolean updateClient(ClientRecord before, ClientRecord after, int maxPerUser) {
        // the time the script stores as the old user's last-seen is the time the listener tells its watchers
        long[] at = new long[1];
        // a token refresh keeps the user: its rooms are not touched, so not read
        boolean moving = !before.userId().equals(after.userId());
        List<?> result = write("changing a connection's user", jedis -> {
            while (true) {
                List<String> joined = moving ? List.copyOf(jedis.smembers(clientRooms(after.clientId()))) : List.of();
                List<String> keys = new ArrayList<>(8 + 2 * joined.size());
                keys.addAll(List.of(clientKey(after.clientId()), user(after.userId()), user(before.userId()),
                        onlineUsersKey(), nodesKey(), lastSeenKey(before.userId()), clientRooms(after.clientId()),
                        presenceClockKey()));
                joined.forEach(roomId -> {
                    keys.add(membersKey(roomId));
                    keys.add(roomUsersKey(roomId));
                });
                at[0] = now();
                List<String> args = args(after.clientId(), after.userId(), before.userId(), after.platform(),
                        after.authenticated() ? 1 : 0, after.nodeId(), maxPerUser, at[0], lastSeenTtlMillis);
                args.addAll(joined);
                List<?> changed = (List<?>) RedisScripts.UPDATE_CLIENT.run(jedis, keys, args);
                if ((Long) changed.get(0) != -1L) {
                    return changed;
                }
            }
        });
        if ((Long) result.get(0) == 0L) {
            return false;
        }
        long online = (Long) result.get(1);
        long offline = (Long) result.get(2);
        if (online != 0L) {
            listener.userOnline(after.userId(), after.platform(), online);
        }
        if (offline != 0L) {
            listener.userOffline(before.userId(), at[0], offline);
        }
        return true;
    }

    @Override
    public void removeClient(ClientRecord client) {
        Removed removed = write("removing a connection", jedis -> removeClient(jedis, client.clientId(),
                client.userId(), "", nodeClients(client.nodeId())));
        removed.tell(listener, client.clientId(), client.userId());
    }

    /** What removing a connection did, for the presence listener. */
    private record Removed(long status, long offlineVersion, long at, List<String> eventRooms) {

        static Removed of(Object reply, long at) {
            List<?> values = (List<?>) reply;
            long status = (Long) values.get(0);
            if (status != 1L) {
                return new Removed(status, 0, at, List.of());
            }
            List<String> rooms = new ArrayList<>();
            for (int i = 2; i < values.size(); i++) {
                rooms.add((String) values.get(i));
            }
            return new Removed(status, (Long) values.get(1), at, rooms);
        }

        void tell(Presence.Listener listener, String clientId, String userId) {
            for (String roomAndUser : eventRooms) {
                int tab = roomAndUser.indexOf('\t');
                listener.memberLeft(roomAndUser.substring(0, tab), clientId, roomAndUser.substring(tab + 1));
            }
            if (offlineVersion != 0L) {
                listener.userOffline(userId, at, offlineVersion);
            }
        }
    }

    /** Reads the connection's rooms, then removes it with them; again if they changed in between. */
    private Removed removeClient(JedisPooled jedis, String clientId, String userId, String epochOrAny, String owner) {
        while (true) {
            List<String> joined = List.copyOf(jedis.smembers(clientRooms(clientId)));
            long now = now();
            Removed removed = Removed.of(RedisScripts.REMOVE_CLIENT.run(jedis,
                    removeClientKeys(clientId, userId, owner, joined), removeClientArgs(clientId, userId, epochOrAny,
                            now, joined)), now);
            if (removed.status() != -1L) {
                return removed;
            }
        }
    }

    private List<String> removeClientKeys(String clientId, String userId, String owner, List<String> joined) {
        String uid = userId == null ? "" : userId;
        List<String> keys = new ArrayList<>(9 + 3 * joined.size());
        keys.addAll(List.of(clientKey(clientId), clientRooms(clientId), user(uid), onlineUsersKey(),
                clientsKey(), owner, roomsKey(), lastSeenKey(uid), presenceClockKey()));
        for (String roomId : joined) {
            keys.add(roomKey(roomId));
            keys.add(membersKey(roomId));
            keys.add(roomUsersKey(roomId));
        }
        return keys;
    }

    private List<String> removeClientArgs(String clientId, String userId, String epochOrAny, long now,
                                          List<String> joined) {
        List<String> args = new ArrayList<>(5 + joined.size());
        args.addAll(args(clientId, userId, epochOrAny, now, lastSeenTtlMillis));
        args.addAll(joined);
        return args;
    }

    @Override
    public Optional<ClientRecord> client(String clientId) {
        return clients(List.of(clientId)).stream().findFirst();
    }

    @Override
    public List<ClientRecord> clients(Collection<String> clientIds) {
        List<String> ids = List.copyOf(clientIds);
        if (ids.isEmpty()) {
            return List.of();
        }
        List<Map<String, String>> hashes = redis.call("reading connections", jedis -> {
            List<Response<Map<String, String>>> replies = new ArrayList<>(ids.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                ids.forEach(id -> replies.add(pipe.hgetAll(clientKey(id))));
                pipe.sync();
            }
            return replies.stream().map(Response::get).toList();
        });
        List<ClientRecord> found = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> fields = hashes.get(i);
            if (fields != null && fields.containsKey("node") && isLive(fields.get("node"))) {
                String platform = fields.getOrDefault("platform", "");
                found.add(new ClientRecord(ids.get(i), fields.get("user"), platform.isEmpty() ? null : platform,
                        "1".equals(fields.get("auth")), fields.get("node"),
                        Long.parseLong(fields.getOrDefault("since", "0"))));
            }
        }
        return found;
    }

    @Override
    public List<ClientRecord> clients() {
        return clients(redis.call("listing connections", jedis -> jedis.smembers(clientsKey())));
    }

    @Override
    public List<ClientRecord> clientsOfUser(String userId) {
        Map<String, String> entries = redis.call("reading a user", jedis -> jedis.hgetAll(user(userId)));
        List<String> live = entries.entrySet().stream().filter(entry -> isLive(entry.getValue()))
                .map(Map.Entry::getKey).toList();
        return clients(live);
    }

    // rooms

    @Override
    public Optional<RoomRecord> createRoom(RoomRecord room) {
        long created = write("creating a room", jedis -> (Long) RedisScripts.CREATE_ROOM.run(jedis,
                List.of(roomKey(room.roomId()), roomsKey()),
                args(room.roomId(), room.name(), room.maxMembers(), room.autoCreated() ? 1 : 0, room.createdAt(),
                        room.historySize(), room.historyTtl(), room.joinLeaveEvents() ? 1 : 0)));
        return created == 1L ? Optional.of(room.withMembers(0)) : Optional.empty();
    }

    @Override
    public Optional<RoomRecord> room(String roomId) {
        return rooms(List.of(roomId)).stream().findFirst();
    }

    private List<RoomRecord> rooms(List<String> roomIds) {
        if (roomIds.isEmpty()) {
            return List.of();
        }
        return redis.call("reading rooms", jedis -> {
            List<Response<Map<String, String>>> settings = new ArrayList<>(roomIds.size());
            List<Response<Long>> counts = new ArrayList<>(roomIds.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                for (String id : roomIds) {
                    settings.add(pipe.hgetAll(roomKey(id)));
                    counts.add(pipe.hlen(membersKey(id)));
                }
                pipe.sync();
            }
            List<RoomRecord> found = new ArrayList<>(roomIds.size());
            List<String> gone = new ArrayList<>();
            for (int i = 0; i < roomIds.size(); i++) {
                Map<String, String> fields = settings.get(i).get();
                if (fields.containsKey("max")) {
                    found.add(new RoomRecord(roomIds.get(i), fields.get("name"), Integer.parseInt(fields.get("max")),
                            "1".equals(fields.get("auto")), Long.parseLong(fields.getOrDefault("created", "0")),
                            counts.get(i).get().intValue(), Integer.parseInt(fields.getOrDefault("hsize", "0")),
                            Integer.parseInt(fields.getOrDefault("httl", "0")), "1".equals(fields.get("jle"))));
                } else {
                    gone.add(roomIds.get(i));
                }
            }
            if (!gone.isEmpty()) {
                // an emptied auto-created room with history expired: its id leaves the rooms set when seen gone
                List<String> keys = new ArrayList<>(1 + gone.size());
                keys.add(roomsKey());
                gone.forEach(id -> keys.add(roomKey(id)));
                RedisScripts.FORGET_ROOMS.run(jedis, keys, gone);
            }
            return found;
        });
    }

    @Override
    public List<RoomRecord> rooms() {
        return rooms(List.copyOf(redis.call("listing rooms", jedis -> jedis.smembers(roomsKey()))));
    }

    @Override
    public long roomCount() {
        return redis.call("counting rooms", jedis -> jedis.scard(roomsKey()));
    }

    @Override
    public boolean deleteRoom(String roomId) {
        return write("deleting a room", jedis -> {
            while (true) {
                List<String> memberIds = List.copyOf(jedis.hkeys(membersKey(roomId)));
                List<String> keys = new ArrayList<>(4 + memberIds.size());
                keys.addAll(List.of(roomKey(roomId), membersKey(roomId), roomsKey(), roomUsersKey(roomId)));
                memberIds.forEach(id -> keys.add(clientRooms(id)));
                List<String> args = new ArrayList<>(1 + memberIds.size());
                args.add(roomId);
                args.addAll(memberIds);
                long result = (Long) RedisScripts.DELETE_ROOM.run(jedis, keys, args);
                if (result != -1L) {
                    return result == 1L;
                }
            }
        });
    }

    @Override
    public JoinOutcome join(String roomId, String clientId, RoomRecord autoCreate) {
        @SuppressWarnings("unchecked")
        List<Object> reply = (List<Object>) write("joining a room", jedis -> join(jedis, roomId, clientId,
                autoCreate, false));
        JoinOutcome.Status status = switch ((String) reply.get(0)) {
            case "joined" -> JoinOutcome.Status.JOINED;
            case "full" -> JoinOutcome.Status.FULL;
            case "already_member" -> JoinOutcome.Status.ALREADY_MEMBER;
            default -> JoinOutcome.Status.NOT_FOUND;
        };
        if (status == JoinOutcome.Status.NOT_FOUND) {
            return new JoinOutcome(status, null);
        }
        RoomRecord room = new RoomRecord(roomId, (String) reply.get(1),
                Integer.parseInt((String) reply.get(2)), "1".equals(reply.get(3)),
                Long.parseLong((String) reply.get(4)), ((Long) reply.get(5)).intValue(),
                Integer.parseInt((String) reply.get(6)), Integer.parseInt((String) reply.get(7)),
                "1".equals(reply.get(8)));
        if (status == JoinOutcome.Status.JOINED && room.joinLeaveEvents()) {
            listener.memberJoined(roomId, clientId, (String) reply.get(9));
        }
        return new JoinOutcome(status, room);
    }

    private Object join(JedisPooled jedis, String roomId, String clientId, RoomRecord create, boolean force) {
        return RedisScripts.JOIN.run(jedis, joinKeys(roomId, clientId), joinArgs(roomId, clientId, create, force));
    }

    private List<String> joinKeys(String roomId, String clientId) {
        return List.of(roomKey(roomId), membersKey(roomId), clientRooms(clientId), roomsKey(), clientKey(clientId),
                roomUsersKey(roomId));
    }

    private List<String> joinArgs(String roomId, String clientId, RoomRecord create, boolean force) {
        return args(roomId, clientId, nodeId, create == null ? 0 : 1, create == null ? "" : create.name(),
                create == null ? 0 : create.maxMembers(), create == null || create.autoCreated() ? 1 : 0,
                create == null ? 0 : create.createdAt(), force ? 1 : 0, create == null ? 0 : create.historySize(),
                create == null ? 0 : create.historyTtl(), create != null && create.joinLeaveEvents() ? 1 : 0, now());
    }

    @Override
    public boolean leave(String roomId, String clientId) {
        Object reply = write("leaving a room", jedis -> RedisScripts.LEAVE.run(jedis, leaveKeys(roomId, clientId),
                List.of(roomId, clientId)));
        return left(reply, roomId, clientId);
    }

    private List<String> leaveKeys(String roomId, String clientId) {
        return List.of(roomKey(roomId), membersKey(roomId), clientRooms(clientId), roomsKey(), roomUsersKey(roomId));
    }

    /** Whether leave.lua's reply says the connection left; tells the listener when the room has events on. */
    private boolean left(Object reply, String roomId, String clientId) {
        List<?> values = (List<?>) reply;
        if ((Long) values.get(0) != 1L) {
            return false;
        }
        if ((Long) values.get(1) == 1L) {
            listener.memberLeft(roomId, clientId, (String) values.get(2));
        }
        return true;
    }

    @Override
    public List<String> members(String roomId) {
        Map<String, String> entries = redis.call("reading members", jedis -> jedis.hgetAll(membersKey(roomId)));
        return entries.entrySet().stream().filter(entry -> isLive(nodeOf(entry.getValue())))
                .map(Map.Entry::getKey).toList();
    }

    @Override
    public Set<String> roomsOf(String clientId) {
        return redis.call("reading a connection's rooms", jedis -> jedis.smembers(clientRooms(clientId)));
    }

    // nodes

    @Override
    public List<NodeRecord> nodes() {
        Map<String, Long> live = refreshNodes();
        List<String> ids = live.keySet().stream().sorted().toList();
        List<Map<String, String>> hashes = redis.call("reading nodes", jedis -> {
            List<Response<Map<String, String>>> replies = new ArrayList<>(ids.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                ids.forEach(id -> replies.add(pipe.hgetAll(nodeKey(id))));
                pipe.sync();
            }
            return replies.stream().map(Response::get).toList();
        });
        List<NodeRecord> nodes = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> fields = hashes.get(i);
            nodes.add(new NodeRecord(ids.get(i), Long.parseLong(fields.getOrDefault("started", "0")),
                    Long.parseLong(fields.getOrDefault("heartbeat", "0"))));
        }
        return nodes;
    }

    /** A node counts as live while its heartbeat entry has not expired. */
    boolean isLive(String node) {
        Long expiry = nodeExpiry.get(node);
        if (expiry == null) {
            expiry = refreshNodes().get(node); // a node that started since the last look
        }
        return expiry != null && expiry >= now();
    }

    private Map<String, Long> refreshNodes() {
        List<Tuple> live = redis.call("reading live nodes",
                jedis -> jedis.zrangeByScoreWithScores(nodesKey(), Long.toString(now()), "+inf"));
        Map<String, Long> expiry = new HashMap<>();
        live.forEach(tuple -> expiry.put(tuple.getElement(), (long) tuple.getScore()));
        nodeExpiry = Map.copyOf(expiry);
        return nodeExpiry;
    }

    @Override
    public boolean beat() {
        long now = now();
        long result = redis.call("the heartbeat", jedis -> (Long) RedisScripts.BEAT.run(jedis,
                List.of(nodesKey(), nodeKey(nodeId)), args(nodeId, epoch, now, now + ttlMillis)));
        refreshNodes();
        return result == 1L;
    }

    @Override
    public long nextExpiry() {
        return nodeExpiry.entrySet().stream().filter(entry -> !entry.getKey().equals(nodeId))
                .mapToLong(Map.Entry::getValue).min().orElse(0);
    }

    @Override
    public boolean needsRegister() {
        return needsRegister;
    }

    @Override
    public void register(NodeState state) {
        needsRegister = false;
        try {
            write("registering this node", jedis -> {
                register(jedis, state);
                return null;
            });
        } catch (RuntimeException e) {
            needsRegister = true;
            throw e;
        }
        refreshNodes();
    }

    private void register(JedisPooled jedis, NodeState state) {
        RedisScripts.loadAll(jedis);
        String next = newEpoch();
        long now = now();
        RedisScripts.REGISTER_NODE.run(jedis, List.of(nodesKey(), nodeKey(nodeId)),
                args(nodeId, next, now, now + ttlMillis, startedAt));
        epoch = next;
        Set<String> local = new HashSet<>();
        state.clients().forEach(client -> local.add(client.clientId()));
        // what the directory still has of connections this node no longer holds
        for (String stale : jedis.smembers(nodeClients(nodeId))) {
            if (!local.contains(stale)) {
                String userId = jedis.hget(clientKey(stale), "user");
                removeClient(jedis, stale, userId, "", nodeClients(nodeId)).tell(listener, stale, userId);
            }
        }
        for (int from = 0; from < state.clients().size(); from += REGISTER_BATCH) {
            List<ClientRecord> batch = state.clients().subList(from, Math.min(state.clients().size(),
                    from + REGISTER_BATCH));
            List<Response<Object>> added = new ArrayList<>(batch.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                batch.forEach(client -> added.add(RedisScripts.ADD_CLIENT.queue(pipe, addClientKeys(client),
                        addClientArgs(client, 0))));
                pipe.sync();
            }
            for (int i = 0; i < batch.size(); i++) {
                long version = (Long) added.get(i).get();
                if (version > 1L) { // its user was swept meanwhile: back online
                    listener.userOnline(batch.get(i).userId(), batch.get(i).platform(), version);
                }
            }
        }
        registerMemberships(jedis, state);
    }

    /** Makes each connection's memberships in the directory exactly the node's. */
    private void registerMemberships(JedisPooled jedis, NodeState state) {
        Map<String, List<RoomRecord>> wanted = new HashMap<>();
        state.clients().forEach(client -> wanted.put(client.clientId(), new ArrayList<>()));
        state.memberships().forEach(m -> wanted.computeIfAbsent(m.clientId(), id -> new ArrayList<>()).add(m.room()));
        List<String> ids = List.copyOf(wanted.keySet());
        for (int from = 0; from < ids.size(); from += REGISTER_BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + REGISTER_BATCH));
            List<Response<Set<String>>> recorded = new ArrayList<>(batch.size());
            try (AbstractPipeline pipe = jedis.pipelined()) {
                batch.forEach(id -> recorded.add(pipe.smembers(clientRooms(id))));
                pipe.sync();
            }
            List<Runnable> afterwards = new ArrayList<>();
            try (AbstractPipeline pipe = jedis.pipelined()) {
                for (int i = 0; i < batch.size(); i++) {
                    String clientId = batch.get(i);
                    Set<String> extra = new HashSet<>(recorded.get(i).get());
                    for (RoomRecord room : wanted.get(clientId)) {
                        extra.remove(room.roomId());
                        Response<Object> joined = RedisScripts.JOIN.queue(pipe, joinKeys(room.roomId(), clientId),
                                joinArgs(room.roomId(), clientId, room, true));
                        afterwards.add(() -> {
                            // a membership its sweep had removed is back: its room is told again
                            List<?> reply = (List<?>) joined.get();
                            if ("joined".equals(reply.get(0)) && "1".equals(reply.get(8))) {
                                listener.memberJoined(room.roomId(), clientId, (String) reply.get(9));
                            }
                        });
                    }
                    for (String roomId : extra) {
                        Response<Object> left = RedisScripts.LEAVE.queue(pipe, leaveKeys(roomId, clientId),
                                List.of(roomId, clientId));
                        afterwards.add(() -> left(left.get(), roomId, clientId));
                    }
                }
                pipe.sync();
            }
            afterwards.forEach(Runnable::run);
        }
    }

    @Override
    public int sweep() {
        long now = now();
        int removed = 0;
        List<String> expired = redis.call("reading expired nodes",
                jedis -> jedis.zrangeByScore(nodesKey(), "-inf", Long.toString(now)));
        for (String dead : expired) {
            if (!dead.equals(nodeId)) {
                claim(dead, now);
            }
        }
        for (String deadSet : redis.call("reading dead sets", jedis -> jedis.smembers(deadSets()))) {
            removed += sweep(deadSet);
        }
        return removed;
    }

    private void claim(String dead, long now) {
        redis.call("claiming a dead node", jedis -> {
            String deadEpoch = Optional.ofNullable(jedis.hget(nodeKey(dead), "epoch")).orElse("");
            return RedisScripts.CLAIM_NODE.run(jedis, List.of(nodesKey(), nodeKey(dead), nodeClients(dead), deadSets(),
                    p + ":dead:" + deadEpoch + ":" + dead), args(dead, now, deadEpoch));
        });
    }

    /** Empties one dead set, {@value #SWEEP_BATCH} connections per pipelined round of one short script each. */
    private int sweep(String deadSet) {
        String deadEpoch = deadSet.substring((p + ":dead:").length(), deadSet.indexOf(':', (p + ":dead:").length()));
        int removed = 0;
        while (true) {
            List<String> batch = redis.call("sweeping a dead node", jedis -> jedis.srandmember(deadSet, SWEEP_BATCH));
            if (batch == null || batch.isEmpty()) {
                redis.call("sweeping a dead node", jedis -> {
                    if (jedis.scard(deadSet) == 0) {
                        jedis.srem(deadSets(), deadSet);
                    }
                    return null;
                });
                return removed;
            }
            removed += redis.call("sweeping a dead node", jedis -> sweepBatch(jedis, deadSet, deadEpoch, batch));
        }
    }

    private int sweepBatch(JedisPooled jedis, String deadSet, String deadEpoch, List<String> batch) {
        RedisScripts.loadAll(jedis);
        List<Response<String>> users = new ArrayList<>(batch.size());
        List<Response<Set<String>>> joined = new ArrayList<>(batch.size());
        try (AbstractPipeline pipe = jedis.pipelined()) {
            for (String clientId : batch) {
                users.add(pipe.hget(clientKey(clientId), "user"));
                joined.add(pipe.smembers(clientRooms(clientId)));
            }
            pipe.sync();
        }
        List<Response<Object>> results = new ArrayList<>(batch.size());
        long now = now();
        try (AbstractPipeline pipe = jedis.pipelined()) {
            for (int i = 0; i < batch.size(); i++) {
                List<String> rooms = List.copyOf(joined.get(i).get());
                results.add(RedisScripts.REMOVE_CLIENT.queue(pipe,
                        removeClientKeys(batch.get(i), users.get(i).get(), deadSet, rooms),
                        removeClientArgs(batch.get(i), users.get(i).get(), deadEpoch, now, rooms)));
            }
            pipe.sync();
        }
        int removed = 0;
        for (int i = 0; i < batch.size(); i++) {
            Removed result = Removed.of(results.get(i).get(), now);
            if (result.status() == 1L) {
                removed++;
                // the dead node's departures are told by the node that noticed them
                result.tell(listener, batch.get(i), users.get(i).get());
            }
        }
        return removed; // -1 (rooms changed meanwhile) stays in the set for the next round
    }

    @Override
    public void deregister() {
        long forever = Long.MAX_VALUE;
        String deadSet = p + ":dead:" + epoch + ":" + nodeId;
        redis.call("deregistering this node", jedis -> RedisScripts.CLAIM_NODE.run(jedis, List.of(nodesKey(),
                nodeKey(nodeId), nodeClients(nodeId), deadSets(), deadSet), args(nodeId, forever, epoch)));
        sweep(deadSet);
    }
}
