package io.wshub.cluster;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The node's id and the {@code wshub.bus}, {@code wshub.redis.*}, {@code wshub.cluster.*} and the engines'
 * {@code wshub.presence.last-seen-ttl} settings (README, configuration table).
 */
@ApplicationScoped
public class ClusterConfig {

    @Inject
    @ConfigProperty(name = "wshub.node-id")
    Optional<String> configuredNodeId;

    @Inject
    @ConfigProperty(name = "wshub.bus", defaultValue = "memory")
    String bus;

    @Inject
    @ConfigProperty(name = "wshub.redis.url", defaultValue = "redis://localhost:6379")
    String redisUrl;

    @Inject
    @ConfigProperty(name = "wshub.redis.pool-size", defaultValue = "16")
    int poolSize;

    @Inject
    @ConfigProperty(name = "wshub.redis.timeout", defaultValue = "2000")
    int timeoutMillis;

    @Inject
    @ConfigProperty(name = "wshub.redis.key-prefix", defaultValue = "wshub")
    String keyPrefix;

    @Inject
    @ConfigProperty(name = "wshub.cluster.node-ttl", defaultValue = "15")
    int nodeTtlSeconds;

    /** Seconds a user's last-seen time is kept after its last connection (30 days). */
    @Inject
    @ConfigProperty(name = "wshub.presence.last-seen-ttl", defaultValue = "2592000")
    long lastSeenTtlSeconds;

    private String nodeId;

    @PostConstruct
    void decideNodeId() {
        nodeId = configuredNodeId.filter(id -> !id.isBlank())
                .orElseGet(() -> "node-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
    }

    public long lastSeenTtlMillis() {
        return Math.max(1, lastSeenTtlSeconds) * 1000;
    }

    /** This node's id: {@code wshub.node-id}, or a random one; decided once, read without a lock. */
    public String nodeId() {
        return nodeId;
    }

    /** True for {@code wshub.bus=redis}; anything but {@code memory} or {@code redis} fails the deployment. */
    public boolean redis() {
        return switch (bus.trim().toLowerCase()) {
            case "redis" -> true;
            case "memory" -> false;
            default -> throw new IllegalArgumentException("wshub.bus must be 'memory' or 'redis', not '" + bus + "'");
        };
    }

    public URI redisUri() {
        URI uri = URI.create(redisUrl.trim());
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("wshub.redis.url must be redis://[user:password@]host:port/db "
                    + "or rediss:// for TLS, not '" + redisUrl + "'");
        }
        return uri;
    }

    /** The URL without its password, for logs and health data. */
    public String redisDisplayUrl() {
        URI uri = redisUri();
        return uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort())
                + (uri.getPath() == null ? "" : uri.getPath());
    }

    public int poolSize() {
        return Math.max(1, poolSize);
    }

    public int timeoutMillis() {
        return Math.max(100, timeoutMillis);
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /** How long a node's entries outlive its last heartbeat. */
    public long nodeTtlMillis() {
        return Math.max(2, nodeTtlSeconds) * 1000L;
    }

    /** Three heartbeats per TTL: one lost heartbeat does not expire anything. */
    public long heartbeatMillis() {
        return nodeTtlMillis() / 3;
    }
}
