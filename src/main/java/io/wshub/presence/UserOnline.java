package io.wshub.presence;

/**
 * A user's first connection anywhere in the cluster appeared (CDI event, fired once per transition on the node whose
 * connection caused it). {@code platform} is that connection's, null when it has none.
 */
public record UserOnline(String userId, String platform) {
}
