package io.wshub.hub;

/**
 * Where a message leaves its receiver in a room with history: the room, the offset it has up to, and the room's
 * epoch when the message says it ({@code room_joined}; null for the room's numbered pushes, which keep the epoch the
 * receiver joined in). Transports that resume by cursor (SSE) track it; the others ignore it.
 */
public record RoomPosition(String roomId, long offset, String epoch) {
}
