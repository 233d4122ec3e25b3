package io.wshub.protocol.jsonrpc;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.Map;

/**
 * JSON-RPC methods as hub message types, and hub replies as JSON-RPC results. bingo's methods have their own
 * parameter names; any other method is the hub type of the same name with dots for underscores
 * ({@code presence.stats} is {@code presence_stats}), its params the type's data, so that handlers added later need
 * nothing here.
 */
final class JsonRpcMethods {

    /** A method the hub handles as one request of {@code type} with {@code data}. */
    record Operation(String type, JsonObject data) {
    }

    static final String SUBSCRIBE = "subscribe";
    static final String UNSUBSCRIBE = "unsubscribe";

    private JsonRpcMethods() {
    }

    /** Whether the method takes {@code {topics: [...]}} and is one join or leave per topic. */
    static boolean isTopicsMethod(String method) {
        return SUBSCRIBE.equals(method) || UNSUBSCRIBE.equals(method);
    }

    /** The hub type of one topic of a topics method. */
    static String topicType(String method) {
        return SUBSCRIBE.equals(method) ? "join_room" : "leave_room";
    }

    static Operation operation(String method, JsonObject params) {
        return switch (method) {
            case "heartbeat" -> new Operation("ping", Json.emptyObject());
            case "auth.login", "login" -> new Operation("login", renamed(params, Map.of("accessToken", "token")));
            case "auth.refresh" -> new Operation("refresh_token", renamed(params, Map.of("accessToken", "token")));
            case "publish" -> new Operation("room_message",
                    renamed(params, Map.of("topic", "room_id", "data", "content")));
            case "message.send" -> new Operation("direct_message",
                    renamed(params, Map.of("to_user", "target_id", "data", "content")));
            default -> new Operation(method.replace('.', '_'), params);
        };
    }

    /** The params with members renamed (source -> hub name); a member given under the hub name is taken too. */
    private static JsonObject renamed(JsonObject params, Map<String, String> names) {
        JsonObjectBuilder out = Json.object();
        params.forEach((key, value) -> {
            if (!names.containsKey(key) && !names.containsValue(key)) {
                out.add(key, value);
            }
        });
        names.forEach((source, target) -> {
            JsonValue value = params.containsKey(source) ? params.get(source) : params.get(target);
            if (value != null) {
                out.add(target, value);
            }
        });
        return out.build();
    }

    /** The {@code result} of a reply: bingo's shape where bingo has one, else the reply's data as it is. */
    static String result(String replyType, String dataJson) {
        if ("pong".equals(replyType)) {
            JsonValue serverTime = ((JsonObject) Json.parse(dataJson)).get("server_ts");
            return "{\"server_time\":" + serverTime + "}";
        }
        return dataJson;
    }

    /** A topic of {@code {topics: [...]}}; null when the params have no list of non-empty strings. */
    static String[] topics(JsonObject params) {
        JsonValue topics = params.get("topics");
        if (topics == null || topics.getValueType() != JsonValue.ValueType.ARRAY || topics.asJsonArray().isEmpty()) {
            return null;
        }
        String[] out = new String[topics.asJsonArray().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(topics.asJsonArray().get(i) instanceof JsonString topic) || topic.getString().isEmpty()) {
                return null;
            }
            out[i] = topic.getString();
        }
        return out;
    }
}
