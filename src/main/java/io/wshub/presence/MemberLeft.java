package io.wshub.presence;

/**
 * A connection left a room with join/leave events on, by a leave, its disconnect or its node's death (CDI event,
 * fired on the node that made the leave, or whose sweep removed the dead node's member).
 */
public record MemberLeft(String roomId, String userId, String clientId) {
}
