package io.wshub.hub;

/**
 * CDI event: a connection became another user by an in-band {@code login}, after its {@code logged_in} frame: for
 * the application what {@link ClientConnected} is for a connection that came with its user.
 */
public record ClientLoggedIn(String clientId, String userId, String previousUserId, String nodeId) {
}
