package io.wshub.hub;

/** CDI event: a client finished its handshake and got its {@code connected} frame. */
public record ClientConnected(String clientId, String userId, String nodeId) {
}
