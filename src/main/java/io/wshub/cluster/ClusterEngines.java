package io.wshub.cluster;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import java.util.logging.Logger;

/**
 * Picks the engines by {@code wshub.bus}: memory (one node) or Redis (a cluster), both behind the same interfaces,
 * and owns what they share. Nothing here stops on its own: the node's shutdown stops the engines in a defined order
 * ({@link #stop}): the bus first, then the Redis pool the bus and the directory both use.
 */
@ApplicationScoped
public class ClusterEngines {

    private static final Logger LOG = Logger.getLogger(ClusterEngines.class.getName());

    @Inject
    ClusterConfig config;
    @Inject
    RedisBus.BusMetrics busMetrics;
    @Inject
    RedisConnection.Failures failures;
    @Resource
    ManagedThreadFactory threadFactory;

    private RedisConnection redis;
    private Bus bus;
    private Directory directory;
    private History history;
    private Presence presence;

    @PostConstruct
    void create() {
        String nodeId = config.nodeId();
        if (!config.redis()) {
            bus = new MemoryBus();
            MemoryDirectory memory = new MemoryDirectory(nodeId, config.lastSeenTtlMillis());
            directory = memory;
            presence = new MemoryPresence(memory, nodeId);
            history = new MemoryHistory();
            return;
        }
        LOG.info(() -> "node " + nodeId + " joins the cluster through Redis at " + config.redisDisplayUrl());
        redis = new RedisConnection(config.redisUri(), config.poolSize(), config.timeoutMillis(),
                failures);
        bus = new RedisBus(redis, config.keyPrefix(), nodeId, threadFactory, busMetrics,
                config.heartbeatMillis());
        RedisDirectory redisDirectory = new RedisDirectory(redis, config.keyPrefix(), nodeId, config.nodeTtlMillis(),
                config.lastSeenTtlMillis());
        directory = redisDirectory;
        presence = new RedisPresence(redis, redisDirectory);
        history = new RedisHistory(redis, config.keyPrefix());
    }

    @Produces
    @ApplicationScoped
    Bus bus() {
        return bus;
    }

    @Produces
    @ApplicationScoped
    Directory directory() {
        return directory;
    }

    @Produces
    @ApplicationScoped
    Presence presence() {
        return presence;
    }

    @Produces
    @ApplicationScoped
    History history() {
        return history;
    }

    /** The Redis pool the engines share, for engines of other packages; null with the memory bus (one node). */
    public RedisConnection redis() {
        return redis;
    }

    /** Stops the bus, then closes the Redis pool; the directory must not be used after. */
    public void stop() {
        bus.stop();
        if (redis != null) {
            redis.close();
        }
    }
}
