package io.wshub.protocol.gohub;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.Consumer;

/**
 * GoHub's frame format: {@code {"message_id":7,"message_type":"join_room","data":{...}}} in, and
 * {@code {"message_id":N,"message_type":"...","data":{...},"timestamp":ms,"request_id":7}} out.
 */
public final class GoHubCodec implements WireCodec {

    public static final GoHubCodec INSTANCE = new GoHubCodec();
    static final int MAX_TYPE_LENGTH = 64;
    static final String UNPAIRED_SURROGATE = "frame contains an unpaired surrogate (not encodable as UTF-8)";

    private GoHubCodec() {
    }

    @Override
    public void decode(String text, Consumer<Inbound> requests) {
        requests.accept(decode(text));
    }

    /** One GoHub frame is one request. */
    public Inbound decode(String text) {
        long scanned = scan(text);
        int length = (int) (scanned >>> 1);
        boolean mayHoldUnpairedSurrogate = (scanned & 1) != 0;
        JsonValue parsed;
        try {
            parsed = Json.parse(text);
        } catch (RuntimeException e) {
            // JsonException mostly, but Parsson refuses nesting deeper than 1000 with a bare RuntimeException
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
        if (mayHoldUnpairedSurrogate && holdsUnpairedSurrogate(frame)) {
            return Inbound.malformed(messageId, ErrorCode.INVALID_FORMAT, UNPAIRED_SURROGATE, length);
        }
        return Inbound.valid(messageId, typeName.getString(), (JsonObject) data, length);
    }

    /**
     * One pass over the frame: its UTF-8 size (for the size limit) shifted left by one, and in the low bit whether
     * its parsed strings could hold an unpaired surrogate: only a backslash-u escape or an unpaired surrogate of the
     * text itself can put one there, and most frames have neither.
     */
    static long scan(String text) {
        long bytes = 0;
        boolean suspicious = false;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
                if (c == '\\' && i + 1 < n) {
                    char escaped = text.charAt(i + 1);
                    suspicious |= escaped == 'u';
                    bytes++;
                    i++; // the escaped character, which may be a backslash
                }
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                suspicious |= Character.isSurrogate(c);
                bytes += 3;
            }
        }
        return bytes << 1 | (suspicious ? 1 : 0);
    }

    /** Whether any string in the value, object keys included, holds an unpaired surrogate. */
    private static boolean holdsUnpairedSurrogate(JsonValue value) {
        ArrayDeque<JsonValue> pending = new ArrayDeque<>();
        pending.push(value);
        while (!pending.isEmpty()) {
            JsonValue next = pending.pop();
            switch (next.getValueType()) {
                case STRING -> {
                    if (hasUnpairedSurrogate(((JsonString) next).getString())) {
                        return true;
                    }
                }
                case OBJECT -> {
                    for (Map.Entry<String, JsonValue> member : next.asJsonObject().entrySet()) {
                        if (hasUnpairedSurrogate(member.getKey())) {
                            return true;
                        }
                        pending.push(member.getValue());
                    }
                }
                case ARRAY -> next.asJsonArray().forEach(pending::push);
                default -> {
                }
            }
        }
        return false;
    }

    private static boolean hasUnpairedSurrogate(String text) {
        return Json.unpairedSurrogate(text) >= 0;
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
