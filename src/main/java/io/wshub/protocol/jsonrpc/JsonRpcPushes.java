package io.wshub.protocol.jsonrpc;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.util.Map;

/**
 * What the hub sends unasked, as JSON-RPC notifications: room messages as bingo's {@code message}
 * {@code {topic, data, sender_id, offset?}}, direct messages as {@code message.direct}, bingo's session notices
 * ({@code session.kicked}, {@code session.expired}, {@code session.shutdown}), and any other type as the method of
 * its name with its data as params (a backend's {@code {message_type, data}}). An error that answers no request is
 * an error response with {@code id: null}.
 */
final class JsonRpcPushes {

    /** Hub types that bingo names otherwise; their data is the params as it is. */
    private static final Map<String, String> RENAMED = Map.of(
            "session_kicked", "session.kicked",
            "shutdown", "session.shutdown");

    private JsonRpcPushes() {
    }

    static String encode(Outbound message) {
        String type = message.type();
        return switch (type) {
            case "room_message" -> roomMessage(message.dataJson());
            case "direct_message" -> notification("message.direct", directMessage(message.dataJson()));
            case "error" -> error(message.dataJson());
            default -> notification(RENAMED.getOrDefault(type, type), message.dataJson());
        };
    }

    static String notification(String method, String paramsJson) {
        StringBuilder out = new StringBuilder(48 + paramsJson.length()).append("{\"jsonrpc\":\"2.0\",\"method\":");
        return Json.quote(out, method).append(",\"params\":").append(paramsJson).append('}').toString();
    }

    /** {@code {room_id, content, sender_id, timestamp, offset?}} as {@code {topic, data, sender_id, offset?}}. */
    private static String roomMessage(String dataJson) {
        JsonObject data = (JsonObject) Json.parse(dataJson);
        StringBuilder params = new StringBuilder(dataJson.length() + 16);
        params.append("{\"topic\":").append(data.get("room_id"))
                .append(",\"data\":").append(data.get("content"))
                .append(",\"sender_id\":").append(data.get("sender_id"));
        JsonValue offset = data.get("offset");
        if (offset != null) {
            params.append(",\"offset\":").append(offset);
        }
        return notification("message", params.append('}').toString());
    }

    /** The direct message's data with {@code content} named {@code data}, as bingo calls a payload. */
    private static String directMessage(String dataJson) {
        JsonObject data = (JsonObject) Json.parse(dataJson);
        var params = Json.object();
        data.forEach((key, value) -> params.add("content".equals(key) ? "data" : key, value));
        return params.build().toString();
    }

    /** An expired token is bingo's {@code session.expired}; any other unasked error answers the null id. */
    private static String error(String errorJson) {
        JsonObject error = (JsonObject) Json.parse(errorJson);
        JsonValue data = error.get("data");
        JsonValue code = data instanceof JsonObject object ? object.get("wshub_code") : null;
        if (code instanceof JsonNumber number && number.intValue() == ErrorCode.TOKEN_EXPIRED.code()) {
            return notification("session.expired", Json.object().add("message", error.get("message")).build()
                    .toString());
        }
        return JsonRpcCalls.error("null", errorJson);
    }
}
