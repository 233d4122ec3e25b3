package io.wshub.admin.client;

import jakarta.json.JsonObject;

/**
 * A server message to a room, published at most once per {@code idempotencyKey} (1-64 characters, null for none)
 * in the room within 5 minutes.
 */
public record RoomMessage(String messageType, JsonObject data, String idempotencyKey) {
}
