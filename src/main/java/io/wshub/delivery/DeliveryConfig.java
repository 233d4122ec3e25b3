package io.wshub.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The {@code wshub.ack.*} and {@code wshub.offline.*} settings (README, configuration table). Durations are in
 * seconds like the hub's other duration keys; a request's own {@code ack_timeout_ms} is in milliseconds.
 */
@ApplicationScoped
public class DeliveryConfig {

    @Inject
    @ConfigProperty(name = "wshub.ack.timeout", defaultValue = "5")
    long ackTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "wshub.ack.retries", defaultValue = "3")
    int ackRetries;

    @Inject
    @ConfigProperty(name = "wshub.ack.max-timeout", defaultValue = "60")
    long ackMaxTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "wshub.ack.max-retries", defaultValue = "10")
    int ackMaxRetries;

    @Inject
    @ConfigProperty(name = "wshub.offline.enabled", defaultValue = "false")
    boolean offlineEnabled;

    @Inject
    @ConfigProperty(name = "wshub.offline.max-per-user", defaultValue = "100")
    int offlineMaxPerUser;

    @Inject
    @ConfigProperty(name = "wshub.offline.ttl", defaultValue = "86400")
    long offlineTtlSeconds;

    /** How long a push waits for its acknowledgement when the sender does not say, capped by the maximum. */
    public long ackTimeoutMillis() {
        return Math.min(Math.max(0, ackTimeoutSeconds) * 1000, ackMaxTimeoutMillis());
    }

    public int ackRetries() {
        return Math.min(Math.max(0, ackRetries), ackMaxRetries());
    }

    public long ackMaxTimeoutMillis() {
        return Math.max(0, ackMaxTimeoutSeconds) * 1000;
    }

    public int ackMaxRetries() {
        return Math.max(0, ackMaxRetries);
    }

    public boolean offlineEnabled() {
        return offlineEnabled;
    }

    public int offlineMaxPerUser() {
        return Math.max(1, offlineMaxPerUser);
    }

    public long offlineTtlMillis() {
        return Math.max(1, offlineTtlSeconds) * 1000;
    }
}
