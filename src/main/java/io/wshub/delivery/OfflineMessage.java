package io.wshub.delivery;

import io.wshub.protocol.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;

/**
 * A message stored for a user who had no connection: the server message's parts, and for one that asked for an
 * acknowledgement its {@code ackId} and the receipt its acknowledgement carries back to the sender's node.
 *
 * @param type      the message type
 * @param dataJson  its data (a JSON object text), with {@code ack_id}/{@code ack_required} when acknowledged
 * @param timestamp when it was sent (epoch ms): kept on replay, and the start of its time to live
 * @param ackId     the acknowledgement id, null for a message that did not ask for one
 * @param receipt   for {@code ackId}: who to tell, a JSON object text (see {@link Receipt}); null otherwise
 */
public record OfflineMessage(String type, String dataJson, long timestamp, String ackId, String receipt) {

    public boolean acknowledged() {
        return ackId != null;
    }

    /**
     * One JSON text per message, as the Redis list holds it. The same message always encodes to the same text (fixed
     * field order), which is how an acknowledged message is removed (LREM of its text). The Lua scripts read
     * {@code timestamp} and {@code ack_id}.
     */
    public String encode() {
        JsonObjectBuilder json = Json.object().add("type", type).add("data", dataJson).add("timestamp", timestamp);
        if (ackId != null) {
            json.add("ack_id", ackId);
        }
        if (receipt != null) {
            json.add("receipt", receipt);
        }
        return json.build().toString();
    }

    /** The inverse of {@link #encode}; {@link IllegalArgumentException} for a text it did not make. */
    public static OfflineMessage decode(String encoded) {
        try {
            JsonObject json = Json.parse(encoded).asJsonObject();
            return new OfflineMessage(json.getString("type"), json.getString("data"),
                    ((JsonNumber) json.get("timestamp")).longValue(), optional(json, "ack_id"),
                    optional(json, "receipt"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a stored message: " + encoded, e);
        }
    }

    private static String optional(JsonObject json, String field) {
        return json.get(field) instanceof JsonString string ? string.getString() : null;
    }
}
