package io.wshub.routing;

import io.wshub.hub.Connection;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.JsonbException;

/** One client message as a handler sees it: who sent it, its id, type and data. */
public record Request(Connection client, Long messageId, String type, JsonObject data) {

    /** The reply to this request; it carries this request's id as {@code request_id}. */
    public Reply reply(String replyType, Object replyData) {
        return new Reply(replyType, replyData);
    }

    /** A field of {@code data} that must be a non-empty string; 1001 otherwise. */
    public String requiredString(String field) {
        JsonValue value = data.get(field);
        if (value instanceof JsonString string && !string.getString().isEmpty()) {
            return string.getString();
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "data." + field + " must be a non-empty string");
    }

    /** A field of {@code data} that must be present (any JSON value but null); 1001 otherwise. */
    public JsonValue requiredValue(String field) {
        JsonValue value = data.get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "data." + field + " is required");
        }
        return value;
    }

    /** Binds {@code data} to a type through JSON-B; a shape that does not fit is answered with 1001. */
    public <T> T dataAs(Class<T> type) {
        try {
            return Json.jsonb().fromJson(data.toString(), type);
        } catch (JsonbException e) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "data does not fit " + type.getSimpleName());
        }
    }
}
