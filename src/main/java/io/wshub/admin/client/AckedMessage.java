package io.wshub.admin.client;

import jakarta.json.JsonObject;

/**
 * A server message that must be acknowledged by a connection of its user: sent again every {@code ack.timeoutMs}
 * (null for the hub's default) up to {@code ack.retries} times.
 */
public record AckedMessage(String messageType, JsonObject data, Ack ack) {

    public record Ack(Long timeoutMs, Integer retries) {
    }

    public AckedMessage(String messageType, JsonObject data) {
        this(messageType, data, new Ack(null, null));
    }
}
