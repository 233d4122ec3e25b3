package io.wshub.admin.client;

/**
 * A room to create; {@code maxMembers} 0 is unlimited, {@code historySize} 0 keeps no history,
 * {@code joinLeaveEvents} tells members of joins and leaves; null takes the defaults
 * ({@code wshub.rooms.default-max-members}, {@code wshub.rooms.history-size}, {@code wshub.rooms.history-ttl},
 * {@code wshub.rooms.join-leave-events}).
 */
public record NewRoom(String roomId, String name, Integer maxMembers, Integer historySize, Integer historyTtl,
                      Boolean joinLeaveEvents) {

    /** A room with the default history and join/leave event settings. */
    public NewRoom(String roomId, String name, Integer maxMembers) {
        this(roomId, name, maxMembers, null, null, null);
    }

    /** A room with the default join/leave event setting. */
    public NewRoom(String roomId, String name, Integer maxMembers, Integer historySize, Integer historyTtl) {
        this(roomId, name, maxMembers, historySize, historyTtl, null);
    }
}
