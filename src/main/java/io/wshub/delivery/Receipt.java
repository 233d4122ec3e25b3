package io.wshub.delivery;

import io.wshub.protocol.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;

/**
 * Who is told that a push was acknowledged, and how: connection {@code clientId} of the sender's node receives
 * {@code direct_acked} answering {@code requestId}. A backend's push has no client (null): nobody is told but the
 * backend's waiting request. Carried in a stored message and in the ACK envelope's data, so that the sender's node
 * needs no state for a stored message acknowledged days later.
 */
public record Receipt(String clientId, Long requestId, String targetId) {

    public String toJson() {
        JsonObjectBuilder json = Json.object().add("target_id", targetId);
        if (clientId != null) {
            json.add("client_id", clientId);
        }
        if (requestId != null) {
            json.add("request_id", requestId);
        }
        return json.build().toString();
    }

    /** The inverse of {@link #toJson}; null for null or text it did not make. */
    public static Receipt fromJson(String json) {
        if (json == null) {
            return null;
        }
        try {
            JsonObject object = Json.parse(json).asJsonObject();
            return new Receipt(object.get("client_id") instanceof JsonString s ? s.getString() : null,
                    object.get("request_id") instanceof JsonNumber n ? n.longValue() : null,
                    object.get("target_id") instanceof JsonString s ? s.getString() : null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
