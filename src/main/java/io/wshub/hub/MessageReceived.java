package io.wshub.hub;

import jakarta.json.JsonObject;

/** CDI event: a well-formed client message, fired before its handler runs. */
public record MessageReceived(String clientId, String userId, String messageType, Long messageId, JsonObject data) {
}
