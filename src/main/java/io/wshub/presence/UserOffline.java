package io.wshub.presence;

/**
 * A user's last connection anywhere in the cluster went (CDI event, fired once per transition on the node whose
 * connection went, or on the node whose sweep removed a dead node's connections). {@code lastSeen} is epoch ms.
 */
public record UserOffline(String userId, long lastSeen) {
}
