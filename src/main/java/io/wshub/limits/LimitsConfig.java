package io.wshub.limits;

import io.wshub.cdi.Unproxied;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.concurrent.ConcurrentHashMap;

/** The {@code wshub.limits.*} and {@code wshub.rate-limit.*} settings; 0 means no limit. */
@ApplicationScoped
public class LimitsConfig implements Unproxied<LimitsConfig> {

    @Inject
    @ConfigProperty(name = "wshub.limits.max-connections", defaultValue = "0")
    int maxConnections;

    @Inject
    @ConfigProperty(name = "wshub.limits.max-connections-per-user", defaultValue = "0")
    int maxConnectionsPerUser;

    @Inject
    @ConfigProperty(name = "wshub.limits.max-rooms-per-connection", defaultValue = "0")
    int maxRoomsPerConnection;

    @Inject
    @ConfigProperty(name = "wshub.rate-limit.default", defaultValue = "0")
    double defaultRate;

    @Inject
    Config config;

    private final ConcurrentHashMap<String, Double> rates = new ConcurrentHashMap<>();

    public int maxConnections() {
        return maxConnections;
    }

    public int maxConnectionsPerUser() {
        return maxConnectionsPerUser;
    }

    public int maxRoomsPerConnection() {
        return maxRoomsPerConnection;
    }

    /** Messages per second allowed for one message type on one connection: {@code wshub.rate-limit.<type>}. */
    public double rate(String messageType) {
        return rates.computeIfAbsent(messageType, type -> config
                .getOptionalValue("wshub.rate-limit." + type, Double.class).orElse(defaultRate));
    }
}
