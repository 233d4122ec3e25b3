package io.wshub.admin.client;

/**
 * A room to create; {@code maxMembers} 0 is unlimited, {@code historySize} 0 keeps no history; null takes the
 * defaults ({@code wshub.rooms.default-max-members}, {@code wshub.rooms.history-size}, {@code wshub.rooms.history-ttl}).
 */
public record NewRoom(String roomId, String name, Integer maxMembers, Integer historySize, Integer historyTtl) {

    /** A room with the default history settings. */
    public NewRoom(String roomId, String name, Integer maxMembers) {
        this(roomId, name, maxMembers, null, null);
    }
}
