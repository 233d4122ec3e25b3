package io.wshub.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * History in Redis: per room a Stream {@code p:history:<room>} (entry id {@code 0-<offset>}, fields t, d, ts, trimmed
 * to the room's size) and a hash {@code p:history-meta:<room>} (epoch, latest offset), both expiring {@code ttl}
 * seconds after the last message; idempotency keys {@code p:idem:<room length>:<room>:<key>} expire after
 * {@link #IDEMPOTENCY_TTL_SECONDS}. The append is one Lua script (history_append.lua) that takes the next offset,
 * adds the entry and publishes the envelope on the room's channel: that is what makes history order and live order
 * the same on every node.
 */
public final class RedisHistory implements History {

    private final RedisConnection redis;
    private final String prefix;

    public RedisHistory(RedisConnection redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    private String stream(String roomId) {
        return prefix + ":history:" + roomId;
    }

    private String meta(String roomId) {
        return prefix + ":history-meta:" + roomId;
    }

    private String idempotencyKey(String roomId, String key) {
        return prefix + ":idem:" + roomId.length() + ":" + roomId + ":" + key;
    }

    /** Messages arrive through the bus, which the script publishes to. */
    @Override
    public void start(Consumer<Envelope> receiver) {
    }

    @Override
    public Appended append(Append message) {
        Envelope envelope = Envelope.roomMessage(message.origin(), message.roomId(), message.type(), null,
                message.timestamp(), message.except(), 0);
        byte[][] around = envelope.encodeAround(System.currentTimeMillis());
        String key = message.idempotencyKey();
        List<byte[]> keys = List.of(bytes(stream(message.roomId())), bytes(meta(message.roomId())),
                bytes(key == null ? idempotencyKey(message.roomId(), "") : idempotencyKey(message.roomId(), key)),
                bytes(RedisDirectory.roomKey(prefix, message.roomId())));
        List<byte[]> args = List.of(bytes(RedisBus.roomChannel(prefix, message.roomId())), around[0], around[1],
                bytes(History.openObject(message.data())), bytes(History.separator(message.data())),
                bytes(message.type()), bytes(Long.toString(message.timestamp())),
                bytes(Integer.toString(Math.max(1, message.size()))),
                bytes(Long.toString(Math.max(1, message.ttlSeconds()) * 1000L)), bytes(MemoryHistory.newEpoch()),
                bytes(key == null ? "0" : "1"), bytes(Long.toString(IDEMPOTENCY_TTL_SECONDS * 1000L)));
        List<?> reply = (List<?>) redis.call("appending to a room's history",
                jedis -> RedisScripts.HISTORY_APPEND.run(jedis, keys, args, true));
        return new Appended((Long) reply.get(0), text(reply.get(1)), ((Long) reply.get(2)) == 1L);
    }

    @Override
    public boolean claim(String roomId, String idempotencyKey) {
        return (Long) redis.call("recording an idempotency key", jedis -> RedisScripts.IDEMPOTENCY_CLAIM.run(jedis,
                List.of(idempotencyKey(roomId, idempotencyKey)),
                List.of(Long.toString(IDEMPOTENCY_TTL_SECONDS * 1000L)))) == 1L;
    }

    @Override
    public Position position(String roomId, int ttlSeconds) {
        List<?> reply = (List<?>) redis.call("reading a room's position", jedis -> RedisScripts.HISTORY_POSITION
                .run(jedis, List.of(meta(roomId), stream(roomId)),
                        List.of(MemoryHistory.newEpoch(), Long.toString(Math.max(1, ttlSeconds) * 1000L))));
        return new Position(text(reply.get(0)), (Long) reply.get(1));
    }

    @Override
    public Page read(String roomId, long after, int limit) {
        List<?> reply = (List<?>) redis.call("reading a room's history", jedis -> RedisScripts.HISTORY_READ.run(jedis,
                List.of(stream(roomId), meta(roomId)), List.of(Long.toString(after), Integer.toString(limit))));
        String epoch = text(reply.get(0));
        List<Entry> entries = new ArrayList<>((reply.size() - 3) / 4);
        for (int i = 3; i + 3 < reply.size(); i += 4) {
            entries.add(new Entry((Long) reply.get(i), text(reply.get(i + 1)), text(reply.get(i + 2)),
                    Long.parseLong(text(reply.get(i + 3)))));
        }
        return new Page(new Position(epoch.isEmpty() ? null : epoch, (Long) reply.get(1)), (Long) reply.get(2),
                entries);
    }

    @Override
    public void forget(String roomId) {
        redis.call("dropping a room's history", jedis -> jedis.del(stream(roomId), meta(roomId)));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object reply) {
        return reply instanceof byte[] raw ? new String(raw, StandardCharsets.UTF_8) : (String) reply;
    }
}
