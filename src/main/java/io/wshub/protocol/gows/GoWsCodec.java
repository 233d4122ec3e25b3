package io.wshub.protocol.gows;

import io.wshub.protocol.ConnectionCodec;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.FrameScan;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.ServerMessageTypes;
import io.wshub.protocol.WireCodec;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.Set;
import java.util.function.Consumer;

/**
 * go-ws channel frames: {@code {"id","type":"subscribe"|"unsubscribe"|"message","channel","message","data","meta"}}
 * in, each confirmed {@code {"id":<its id>,"type":"receive"}} or answered {@code {"id","type":"error","code",
 * "message"}}; {@code {"type":"ping"}} is answered {@code {"type":"pong"}}. Channel messages go out as
 * {@code {"id","type":"message","channel","message","data","meta","client","sender_id"}}, everything else as
 * {@code {"id":<server id>,"type":<message_type>,"data":<data>}}. Channels are rooms. One instance per connection
 * (it keeps the client's ids until answered); pushes are encoded by one shared instance.
 * <p>
 * A go-ws message {@code {message: M, data: X, meta: Y}} is room content M when it has neither data nor meta, else
 * the object {@code {message, data, meta}}; content of that shape is shown to go-ws clients as those three fields.
 */
public final class GoWsCodec extends ConnectionCodec<GoWsCodec.Request> {

    private static final GoWsCodec PUSHES = new GoWsCodec();
    /** Hub replies that are go-ws's plain confirmation. */
    private static final Set<String> CONFIRMATIONS = Set.of(ServerMessageTypes.DONE, "room_joined", "room_left",
            "room_message_sent");
    private static final Set<String> MESSAGE_FIELDS = Set.of("message", "data", "meta");

    /** A client frame waiting for its answer: its id as the client wrote it (JSON, null when it had none). */
    record Request(String idJson, boolean ping) {
    }

    private GoWsCodec() {
    }

    public static GoWsCodec forConnection() {
        return new GoWsCodec();
    }

    @Override
    public WireCodec shared() {
        return PUSHES;
    }

    @Override
    public void decode(String text, Consumer<Inbound> requests) {
        requests.accept(decode(text));
    }

    private Inbound decode(String text) {
        long scanned = FrameScan.scan(text);
        int length = FrameScan.length(scanned);
        JsonValue parsed = Json.parseOrNull(text);
        if (parsed == null) {
            return refused(null, "frame is not valid JSON", length);
        }
        if (!(parsed instanceof JsonObject frame)) {
            return refused(null, "frame must be a JSON object", length);
        }
        if (FrameScan.mayHoldUnpairedSurrogate(scanned) && FrameScan.holdsUnpairedSurrogate(frame)) {
            return refused(null, FrameScan.UNPAIRED_SURROGATE, length); // its id may be what cannot be echoed
        }
        JsonValue id = frame.get("id");
        String idJson = id == null || id.getValueType() == JsonValue.ValueType.NULL ? null : id.toString();
        if (!(frame.get("type") instanceof JsonString typeName) || typeName.getString().isEmpty()) {
            return refused(idJson, "type must be a non-empty string", length);
        }
        String type = typeName.getString();
        if ("ping".equals(type)) {
            return Inbound.valid(pending.add(new Request(idJson, true)), "ping", Json.emptyObject(), length);
        }
        if ("subscribe".equals(type) || "unsubscribe".equals(type) || "message".equals(type)) {
            if (!(frame.get("channel") instanceof JsonString channel) || channel.getString().isEmpty()) {
                return refused(idJson, "channel must be a non-empty string", length);
            }
            var data = Json.object().add("room_id", channel.getString());
            if ("message".equals(type)) {
                JsonValue content = content(frame);
                if (content == null) {
                    return refused(idJson, "message is required (or data or meta)", length);
                }
                data.add("content", content);
            }
            String hubType = switch (type) {
                case "subscribe" -> "join_room";
                case "unsubscribe" -> "leave_room";
                default -> "room_message";
            };
            return Inbound.valid(pending.add(new Request(idJson, false)), hubType, data.build(), length);
        }
        // any other hub type, its data as go-ws frames carry it
        JsonValue data = frame.get("data");
        if (data != null && data.getValueType() != JsonValue.ValueType.NULL && !(data instanceof JsonObject)) {
            return refused(idJson, "data must be a JSON object", length);
        }
        return Inbound.valid(pending.add(new Request(idJson, false)), type,
                data instanceof JsonObject object ? object : Json.emptyObject(), length);
    }

    /** M alone, or {@code {message, data, meta}} when data or meta is there; null when there is nothing. */
    private static JsonValue content(JsonObject frame) {
        JsonValue message = present(frame.get("message"));
        JsonValue data = present(frame.get("data"));
        JsonValue meta = present(frame.get("meta"));
        if (data == null && meta == null) {
            return message;
        }
        var content = Json.object();
        if (message != null) {
            content.add("message", message);
        }
        if (data != null) {
            content.add("data", data);
        }
        if (meta != null) {
            content.add("meta", meta);
        }
        return content.build();
    }

    private static JsonValue present(JsonValue value) {
        return value == null || value.getValueType() == JsonValue.ValueType.NULL ? null : value;
    }

    private Inbound refused(String idJson, String message, int length) {
        return Inbound.malformed(pending.add(new Request(idJson, false)), ErrorCode.INVALID_FORMAT, message, length);
    }

    @Override
    public String encode(Outbound message) {
        Request request = pending.take(message.requestId());
        if (request == null) {
            // DONE after the handler answered by itself (a join sends its room_joined before it completes)
            return ServerMessageTypes.DONE.equals(message.type()) ? null : push(message);
        }
        StringBuilder out = new StringBuilder(48 + message.dataJson().length()).append('{');
        if (request.idJson() != null) {
            out.append("\"id\":").append(request.idJson()).append(',');
        }
        if ("error".equals(message.type())) {
            // errorData is {"code":..,"message":..}: its members go beside id and type
            return out.append("\"type\":\"error\",").append(message.dataJson(), 1, message.dataJson().length())
                    .toString();
        }
        if (request.ping()) {
            return out.append("\"type\":\"pong\"}").toString();
        }
        if (CONFIRMATIONS.contains(message.type())) {
            return out.append("\"type\":\"receive\"}").toString();
        }
        return typed(out, message.type(), message.dataJson());
    }

    private static String push(Outbound message) {
        StringBuilder out = new StringBuilder(64 + message.dataJson().length()).append("{\"id\":\"")
                .append(message.messageId()).append("\",");
        if ("room_message".equals(message.type())) {
            return channelMessage(out, (JsonObject) Json.parse(message.dataJson()));
        }
        return typed(out, message.type(), message.dataJson());
    }

    private static String typed(StringBuilder out, String type, String dataJson) {
        Json.quote(out.append("\"type\":"), type);
        return out.append(",\"data\":").append(dataJson).append('}').toString();
    }

    /** A room message as go-ws's {@code message} frame, with the sender's client and user ids. */
    private static String channelMessage(StringBuilder out, JsonObject data) {
        out.append("\"type\":\"message\",\"channel\":").append(data.get("room_id"));
        JsonValue content = data.get("content");
        if (content instanceof JsonObject fields && !fields.isEmpty() && MESSAGE_FIELDS.containsAll(fields.keySet())
                && (fields.containsKey("data") || fields.containsKey("meta"))) {
            fields.forEach((name, value) -> Json.quote(out.append(','), name).append(':').append(value));
        } else {
            out.append(",\"message\":").append(content);
        }
        JsonValue client = data.get("sender_client_id");
        if (client != null) {
            out.append(",\"client\":").append(client);
        }
        out.append(",\"sender_id\":").append(data.get("sender_id"));
        JsonValue offset = data.get("offset");
        if (offset != null) {
            out.append(",\"offset\":").append(offset);
        }
        return out.append('}').toString();
    }

    @Override
    public String errorData(ErrorCode code, String message, Long requestId) {
        StringBuilder out = new StringBuilder(32 + message.length());
        out.append("{\"code\":").append(code.code()).append(",\"message\":");
        return Json.quote(out, message).append('}').toString();
    }
}
