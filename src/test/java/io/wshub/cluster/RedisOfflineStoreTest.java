package io.wshub.cluster;

import io.wshub.delivery.OfflineMessage;
import io.wshub.delivery.OfflineStore;
import io.wshub.delivery.OfflineStoreContract;
import io.wshub.delivery.RedisOfflineStore;
import io.wshub.it.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster's offline store against a real redis-server: the {@link OfflineStoreContract}, its key and expiry, and
 * its scripts after Redis forgot them. (In this package: only it may mark the test connection up.)
 */
class RedisOfflineStoreTest extends OfflineStoreContract {

    static RedisProcess server;
    static RedisConnection redis;

    @BeforeAll
    static void startRedis() {
        server = new RedisProcess(Path.of("target", "redis-offline-store-test")).start();
        redis = new RedisConnection(java.net.URI.create(server.url()), 4, 2000, (what, cause) -> {
            throw new AssertionError(what, cause);
        });
        redis.up();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    @Override
    protected OfflineStore store() {
        return new RedisOfflineStore(redis, "t", MAX_PER_USER, TTL_MILLIS);
    }

    @Test
    void aUsersListIsOneKeyWithTheTtl() {
        OfflineStore store = store();
        String user = user();
        store.store(user, plain("one", System.currentTimeMillis()));
        try (Jedis jedis = server.client()) {
            String key = "t:offline:" + user;
            assertEquals(1, jedis.llen(key));
            long ttl = jedis.ttl(key);
            assertTrue(ttl > 0 && ttl <= TTL_MILLIS / 1000, "ttl " + ttl);
        }
    }

    @Test
    void scriptsAreLoadedAgainAfterRedisForgotThem() {
        OfflineStore store = store();
        String user = user();
        try (Jedis jedis = server.client()) {
            jedis.scriptFlush();
        }
        long now = System.currentTimeMillis();
        store.store(user, plain("after flush", now));
        assertEquals(List.of(plain("after flush", now)), store.take(user, now));
    }

    @Test
    void anUnreadableEntryIsDroppedNotReplayed() {
        OfflineStore store = store();
        String user = user();
        try (Jedis jedis = server.client()) {
            jedis.rpush("t:offline:" + user, "not json");
        }
        long now = System.currentTimeMillis();
        store.store(user, plain("good", now));
        List<OfflineMessage> taken = store.take(user, now);
        assertEquals(List.of(plain("good", now)), taken);
        assertEquals(new OfflineStore.Summary(0, 0), store.summary(user, now));
    }
}
