package io.wshub.admin.client;

import jakarta.json.JsonObject;

/** A server message to push: clients receive it as a frame of {@code messageType} with {@code data}. */
public record Message(String messageType, JsonObject data) {
}
