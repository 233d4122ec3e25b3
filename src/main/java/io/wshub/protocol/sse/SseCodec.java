package io.wshub.protocol.sse;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import io.wshub.protocol.gohub.GoHubCodec;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.util.function.Consumer;

/**
 * Server-Sent Events: each message is an event block {@code event: <message_type>} / {@code data: <data>}, where the
 * data is the object a GoHub client gets in its frame's {@code data}. The {@code id:} line is the stream's own
 * cursor, so the transport writes it, not the codec: a block is shared by every SSE receiver of a message.
 * <p>
 * Two messages read differently here, as an SSE client needs them: {@code room_joined} with {@code recovered: false}
 * is followed by a {@code recovery_failed} {@code {room_id}} event, and {@code shutdown} carries a {@code retry:}
 * line, so that the browser's own reconnect waits {@code reconnect_after_ms}.
 */
public final class SseCodec implements WireCodec {

    public static final SseCodec INSTANCE = new SseCodec();

    private SseCodec() {
    }

    /** An SSE client sends nothing on its stream. */
    @Override
    public void decode(String text, Consumer<Inbound> requests) {
        requests.accept(Inbound.malformed(null, ErrorCode.INVALID_FORMAT, "an SSE stream takes no client frames",
                text.length()));
    }

    @Override
    public String encode(Outbound message) {
        String type = message.type();
        String data = message.dataJson();
        StringBuilder out = new StringBuilder(32 + type.length() + data.length());
        if ("shutdown".equals(type)) {
            long retry = number(data, "reconnect_after_ms");
            if (retry >= 0) {
                out.append("retry: ").append(retry).append('\n');
            }
        }
        event(out, type, data);
        if ("room_joined".equals(type) && data.contains("\"recovered\":false")) {
            JsonObject joined = Json.parse(data).asJsonObject();
            if (joined.get("recovered") == JsonValue.FALSE) {
                event(out, "recovery_failed", Json.object().add("room_id", joined.getString("room_id")).build()
                        .toString());
            }
        }
        return out.toString();
    }

    @Override
    public String errorData(ErrorCode code, String message, Long requestId) {
        return GoHubCodec.INSTANCE.errorData(code, message, requestId);
    }

    /** One event block; a line break in the type (a backend's own type) would end the field, so it cannot pass. */
    static void event(StringBuilder out, String type, String data) {
        out.append("event: ");
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            out.append(c == '\n' || c == '\r' ? ' ' : c);
        }
        out.append('\n');
        // compact JSON has no line break; any other text is split into data lines, which the client joins with \n
        int start = 0;
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            if (c == '\n' || c == '\r') {
                out.append("data: ").append(data, start, i).append('\n');
                if (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        out.append("data: ").append(data, start, data.length()).append("\n\n");
    }

    /** A whole number member of a JSON object text, or -1. */
    private static long number(String data, String name) {
        try {
            return Json.parse(data).asJsonObject().get(name) instanceof JsonNumber value && value.isIntegral()
                    ? value.longValue() : -1;
        } catch (RuntimeException notAnObject) {
            return -1;
        }
    }
}
