package io.wshub.delivery;

import io.wshub.cluster.RedisConnection;
import io.wshub.cluster.RedisScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The offline store of a cluster: one Redis list per user, {@code <prefix>:offline:<user>}, each element one
 * {@linkplain OfflineMessage#encode encoded message}, oldest first. Storing and taking are Lua scripts (atomic); the
 * list expires {@code ttl} after its last store, and a message older than the TTL is dropped when its list is read.
 */
public final class RedisOfflineStore implements OfflineStore {

    private static final Logger LOG = Logger.getLogger(RedisOfflineStore.class.getName());

    private final RedisConnection redis;
    private final String prefix;
    private final int maxPerUser;
    private final long ttlMillis;

    public RedisOfflineStore(RedisConnection redis, String prefix, int maxPerUser, long ttlMillis) {
        this.redis = redis;
        this.prefix = prefix;
        this.maxPerUser = maxPerUser;
        this.ttlMillis = ttlMillis;
    }

    String key(String userId) {
        return prefix + ":offline:" + userId;
    }

    @Override
    public int store(String userId, OfflineMessage message) {
        long dropped = redis.call("storing an offline message", jedis -> (Long) RedisScripts.OFFLINE_STORE.run(jedis,
                List.of(key(userId)), List.of(message.encode(), Integer.toString(maxPerUser),
                        Long.toString(Math.max(1, ttlMillis / 1000)))));
        return (int) dropped;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<OfflineMessage> take(String userId, long nowMillis) {
        List<String> encoded = redis.call("taking offline messages", jedis -> (List<String>) RedisScripts.OFFLINE_TAKE
                .run(jedis, List.of(key(userId)), List.of(Long.toString(nowMillis - ttlMillis))));
        return decode(encoded);
    }

    @Override
    public void putBack(String userId, List<OfflineMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        String[] reversed = new String[messages.size()];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = messages.get(reversed.length - 1 - i).encode();
        }
        // LPUSH pushes each in turn to the head: the reversed list ends up ahead, in its original order
        redis.call("putting offline messages back", jedis -> {
            jedis.lpush(key(userId), reversed);
            return jedis.expire(key(userId), Math.max(1, ttlMillis / 1000));
        });
    }

    @Override
    public boolean remove(String userId, OfflineMessage message) {
        return redis.call("removing an acknowledged offline message",
                jedis -> jedis.lrem(key(userId), 1, message.encode())) > 0;
    }

    @Override
    public Summary summary(String userId, long nowMillis) {
        List<OfflineMessage> live = decode(redis.call("reading offline messages",
                jedis -> jedis.lrange(key(userId), 0, -1))).stream()
                .filter(message -> message.timestamp() >= nowMillis - ttlMillis).toList();
        return new Summary(live.size(), live.isEmpty() ? 0 : live.get(0).timestamp());
    }

    @Override
    public int clear(String userId) {
        return redis.call("clearing offline messages", jedis -> {
            long count = jedis.llen(key(userId));
            jedis.del(key(userId));
            return (int) count;
        });
    }

    private static List<OfflineMessage> decode(List<String> encoded) {
        List<OfflineMessage> messages = new ArrayList<>(encoded.size());
        for (String text : encoded) {
            try {
                messages.add(OfflineMessage.decode(text));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "skipped an unreadable offline message", e);
            }
        }
        return messages;
    }
}
