package io.wshub.protocol.gohub;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.FrameScan;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.function.Consumer;

/**
 * GoHub's frame format: {@code {"message_id":7,"message_type":"join_room","data":{...}}} in, and
 * {@code {"message_id":N,"message_type":"...","data":{...},"timestamp":ms,"request_id":7}} out.
 */
public final class GoHubCodec implements WireCodec {

    public static final GoHubCodec INSTANCE = new GoHubCodec();
    static final int MAX_TYPE_LENGTH = 64;
    static final String UNPAIRED_SURROGATE = FrameScan.UNPAIRED_SURROGATE;

    private GoHubCodec() {
    }

    @Override
    public void decode(String text, Consumer<Inbound> requests) {
        requests.accept(decode(text));
    }

    /** One GoHub frame is one request. */
    public Inbound decode(String text) {
        long scanned = FrameScan.scan(text);
        int length = FrameScan.length(scanned);
        boolean mayHoldUnpairedSurrogate = FrameScan.mayHoldUnpairedSurrogate(scanned);
        JsonValue parsed = Json.parseOrNull(text);
        if (parsed == null) {
            return Inbound.malformed(null, ErrorCode.INVALID_FORMAT, "frame is not valid JSON", length);
        }
        if (!(parsed instanceof JsonObject frame)) {
            return Inbound.malformed(null, ErrorCode.INVALID_FORMAT, "frame must be a JSON object", length);
        }
        Long messageId = null;
        JsonValue id = frame.get("message_id");
        if (id != null && id.getValueType() != JsonValue.ValueType.NULL) {
            if (!(id instanceof JsonNumber number) || !number.isIntegral()) {
                return Inbound.malformed(null, ErrorCode.INVALID_MESSAGE_ID, "message_id must be an integer", length);
            }
            try {
                messageId = number.longValueExact();
            } catch (ArithmeticException e) {
                return Inbound.malformed(null, ErrorCode.INVALID_MESSAGE_ID, "message_id is out of range", length);
            }
        }
        JsonValue type = frame.get("message_type");
        if (!(type instanceof JsonString typeName) || typeName.getString().isBlank()) {
            return Inbound.malformed(messageId, ErrorCode.INVALID_FORMAT, "message_type must be a non-empty string",
                    length);
        }
        if (typeName.getString().length() > MAX_TYPE_LENGTH) {
            return Inbound.malformed(messageId, ErrorCode.INVALID_FORMAT,
                    "message_type is longer than " + MAX_TYPE_LENGTH + " characters", length);
        }
        JsonValue data = frame.get("data");
        if (data == null || data.getValueType() == JsonValue.ValueType.NULL) {
            data = Json.emptyObject();
        } else if (!(data instanceof JsonObject)) {
            return Inbound.malformed(messageId, ErrorCode.INVALID_FORMAT, "data must be a JSON object", length);
        }
        if (mayHoldUnpairedSurrogate && FrameScan.holdsUnpairedSurrogate(frame)) {
            return Inbound.malformed(messageId, ErrorCode.INVALID_FORMAT, UNPAIRED_SURROGATE, length);
        }
        return Inbound.valid(messageId, typeName.getString(), (JsonObject) data, length);
    }

    @Override
    public String encode(Outbound message) {
        StringBuilder out = new StringBuilder(64 + message.dataJson().length());
        out.append("{\"message_id\":").append(message.messageId()).append(",\"message_type\":");
        Json.quote(out, message.type());
        out.append(",\"data\":").append(message.dataJson());
        out.append(",\"timestamp\":").append(message.timestamp());
        if (message.requestId() != null) {
            out.append(",\"request_id\":").append(message.requestId());
        }
        return out.append('}').toString();
    }

    @Override
    public String errorData(ErrorCode code, String text, Long requestId) {
        StringBuilder out = new StringBuilder(64 + text.length());
        out.append("{\"code\":").append(code.code()).append(",\"message\":");
        Json.quote(out, text);
        if (requestId != null) {
            out.append(",\"request_id\":").append(requestId);
        }
        return out.append('}').toString();
    }
}
