package io.wshub.admin;

import io.wshub.hub.HubConfig;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.ServerMessageTypes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/** Checks and reads the bodies and parameters of admin requests; every refusal is a 400 or 413 problem. */
@ApplicationScoped
public class AdminRequests {

    static final int MAX_TYPE_LENGTH = 64;
    static final int MAX_REASON_LENGTH = 100;

    @Inject
    HubConfig config;

    /** A server message to push: {@code {message_type, data, idempotency_key?}}. */
    public record Push(String messageType, String dataJson, JsonObject data, String idempotencyKey) {
    }

    public Push push(JsonObject body) {
        JsonObject request = require(body);
        String type = string(request, "message_type", true);
        if (type.length() > MAX_TYPE_LENGTH) {
            throw invalid("message_type is longer than " + MAX_TYPE_LENGTH + " characters");
        }
        if (ServerMessageTypes.isReserved(type)) {
            throw invalid("message_type '" + type + "' is one the hub sends itself; reserved: "
                    + ServerMessageTypes.RESERVED.stream().sorted().toList());
        }
        JsonValue data = request.get("data");
        if (data == null || data.getValueType() == JsonValue.ValueType.NULL) {
            data = Json.emptyObject();
        } else if (data.getValueType() != JsonValue.ValueType.OBJECT) {
            throw invalid("data must be a JSON object");
        }
        String dataJson = data.toString();
        if (Json.unpairedSurrogate(dataJson) >= 0) {
            throw invalid("data holds an unpaired surrogate (\\ud800-\\udfff alone), which cannot be sent as UTF-8");
        }
        if (Json.utf8Length(dataJson) > config.maxMessageBytes()) {
            throw new HubException(ErrorCode.MESSAGE_TOO_LARGE,
                    "data is larger than wshub.max-message-bytes (" + config.maxMessageBytes() + ")");
        }
        String key = string(request, "idempotency_key", false);
        if (key != null && key.length() > io.wshub.room.RoomRegistry.MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw invalid("idempotency_key is longer than " + io.wshub.room.RoomRegistry.MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
        }
        return new Push(type, dataJson, data.asJsonObject(), key);
    }

    /** A room to create: {@code {room_id, name?, max_members?, history_size?, history_ttl?, join_leave_events?}}. */
    public record NewRoom(String roomId, String name, Integer maxMembers, Integer historySize, Integer historyTtl,
                          Boolean joinLeaveEvents) {
    }

    public NewRoom newRoom(JsonObject body) {
        JsonObject request = require(body);
        Integer max = null;
        JsonValue maxMembers = request.get("max_members");
        if (maxMembers instanceof JsonNumber number && number.isIntegral() && number.intValue() >= 0) {
            max = number.intValue();
        } else if (maxMembers != null && maxMembers.getValueType() != JsonValue.ValueType.NULL) {
            throw invalid("max_members must be a whole number, 0 for unlimited");
        }
        return new NewRoom(string(request, "room_id", true), string(request, "name", false), max,
                wholeNumber(request, "history_size", 0, "history_size must be a whole number, 0 for no history"),
                wholeNumber(request, "history_ttl", 1, "history_ttl must be a whole number of seconds, at least 1"),
                flag(request, "join_leave_events"));
    }

    /** An optional true or false; null when absent. */
    private static Boolean flag(JsonObject request, String field) {
        JsonValue value = request.get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value == JsonValue.TRUE || value == JsonValue.FALSE) {
            return value == JsonValue.TRUE;
        }
        throw invalid(field + " must be true or false");
    }

    /** An optional whole number of at least {@code min}; null when absent. */
    private static Integer wholeNumber(JsonObject request, String field, int min, String refusal) {
        JsonValue value = request.get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonNumber number && number.isIntegral() && number.longValue() >= min
                && number.longValue() <= Integer.MAX_VALUE) {
            return number.intValue();
        }
        throw invalid(refusal);
    }

    /** A query parameter that must be a whole number of at least {@code min} when present. */
    public Long queryNumber(String value, String name, long min) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long number = Long.parseLong(value.strip());
            if (number >= min) {
                return number;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw invalid(name + " must be a whole number of at least " + min);
    }

    /** A close reason for a kick: at most {@value #MAX_REASON_LENGTH} characters (the WebSocket limit is 123 bytes). */
    public String reason(String reason) {
        if (reason == null || reason.isBlank()) {
            return "kicked";
        }
        if (reason.length() > MAX_REASON_LENGTH || Json.utf8Length(reason) > 123) {
            throw invalid("reason is longer than " + MAX_REASON_LENGTH + " characters");
        }
        return reason;
    }

    private static JsonObject require(JsonObject body) {
        if (body == null) {
            throw invalid("a JSON object body is required");
        }
        return body;
    }

    private static String string(JsonObject request, String field, boolean required) {
        JsonValue value = request.get(field);
        if (value instanceof JsonString string && !string.getString().isBlank()) {
            return string.getString();
        }
        if (!required && (value == null || value.getValueType() == JsonValue.ValueType.NULL)) {
            return null;
        }
        throw invalid(field + " must be a non-empty string");
    }

    static HubException invalid(String message) {
        return new HubException(ErrorCode.INVALID_FORMAT, message);
    }
}
