package io.wshub.presence;

/** A connection joined a room with join/leave events on (CDI event, fired on the node that made the join). */
public record MemberJoined(String roomId, String userId, String clientId) {
}
