package io.wshub.cluster;

import io.wshub.hub.HubConfig;
import io.wshub.observability.HubMetrics;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import java.util.logging.Logger;

/** Picks the engines by {@code wshub.bus}: memory (one node) or Redis (a cluster), both behind the same interfaces. */
@ApplicationScoped
public class ClusterEngines {

    private static final Logger LOG = Logger.getLogger(ClusterEngines.class.getName());

    @Inject
    ClusterConfig config;
    @Inject
    HubConfig hubConfig;
    @Inject
    HubMetrics metrics;
    @Resource
    ManagedThreadFactory threadFactory;

    private RedisConnection redis;

    private synchronized RedisConnection redis() {
        if (redis == null) {
            redis = new RedisConnection(config.redisUri(), config.poolSize(), config.timeoutMillis());
        }
        return redis;
    }

    @Produces
    @ApplicationScoped
    Bus bus() {
        if (!config.redis()) {
            return new MemoryBus();
        }
        LOG.info(() -> "node " + hubConfig.nodeId() + " joins the cluster through Redis at "
                + config.redisDisplayUrl());
        return new RedisBus(redis(), config.keyPrefix(), hubConfig.nodeId(), threadFactory, metrics.busMetrics(),
                config.heartbeatMillis());
    }

    void stop(@Disposes Bus bus) {
        bus.stop();
    }

    @Produces
    @ApplicationScoped
    Directory directory() {
        return config.redis() ? new RedisDirectory(redis(), config.keyPrefix(), config.nodeTtlMillis())
                : new MemoryDirectory(hubConfig.nodeId());
    }
}
