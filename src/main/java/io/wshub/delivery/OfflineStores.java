package io.wshub.delivery;

import io.wshub.cluster.ClusterConfig;
import io.wshub.cluster.ClusterEngines;
import io.wshub.cluster.RedisConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/** Picks the offline store by {@code wshub.bus}, as {@link ClusterEngines} picks the bus and directory. */
@ApplicationScoped
public class OfflineStores {

    @Inject
    ClusterEngines engines;
    @Inject
    ClusterConfig cluster;
    @Inject
    DeliveryConfig config;

    @Produces
    @ApplicationScoped
    OfflineStore store() {
        RedisConnection redis = engines.redis();
        if (redis == null) {
            return new MemoryOfflineStore(config.offlineMaxPerUser(), config.offlineTtlMillis());
        }
        return new RedisOfflineStore(redis, cluster.keyPrefix(), config.offlineMaxPerUser(),
                config.offlineTtlMillis());
    }
}
