package io.wshub.admin.client;

/** A room to create; {@code maxMembers} 0 is unlimited, null is {@code wshub.rooms.default-max-members}. */
public record NewRoom(String roomId, String name, Integer maxMembers) {
}
