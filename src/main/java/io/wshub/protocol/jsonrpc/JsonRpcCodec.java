package io.wshub.protocol.jsonrpc;

import io.wshub.protocol.ConnectionCodec;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.FrameScan;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.ServerMessageTypes;
import io.wshub.protocol.WireCodec;
import io.wshub.protocol.jsonrpc.JsonRpcCalls.Answer;
import io.wshub.protocol.jsonrpc.JsonRpcCalls.Batch;
import io.wshub.protocol.jsonrpc.JsonRpcCalls.Call;
import io.wshub.protocol.jsonrpc.JsonRpcCalls.TopicOfCall;
import io.wshub.protocol.jsonrpc.JsonRpcCalls.Topics;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * JSON-RPC 2.0, as bingo clients speak it: requests, notifications (never answered) and batches in; responses,
 * error responses {@code {code, reason, message, data: {wshub_code}}} and notifications out. One instance per
 * connection, which keeps the client's ids (strings or numbers, echoed exactly) of the requests waiting for their
 * answer; pushes are encoded by one shared instance, once per message.
 */
public final class JsonRpcCodec extends ConnectionCodec<Answer> {

    private static final JsonRpcCodec PUSHES = new JsonRpcCodec(Integer.MAX_VALUE);

    private final int maxMessageBytes;
    private JsonRpcCodec(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** The codec of one connection; a frame over {@code maxMessageBytes} is one request, refused as too large. */
    public static JsonRpcCodec forConnection(int maxMessageBytes) {
        return new JsonRpcCodec(maxMessageBytes);
    }

    @Override
    public WireCodec shared() {
        return PUSHES;
    }

    @Override
    public void decode(String text, Consumer<Inbound> requests) {
        long scanned = FrameScan.scan(text);
        int length = FrameScan.length(scanned);
        if (length > maxMessageBytes) {
            // the hub refuses it by its size; as one request, so that no batch waits for its parts
            requests.accept(refused(new Call("null", 0, null, 0), ErrorCode.MESSAGE_TOO_LARGE, "too large", length));
            return;
        }
        JsonValue parsed = Json.parseOrNull(text);
        if (parsed == null) {
            requests.accept(refused(new Call("null", JsonRpcErrors.PARSE_ERROR, null, 0), ErrorCode.INVALID_FORMAT,
                    "parse error: the frame is not valid JSON", length));
            return;
        }
        if (FrameScan.mayHoldUnpairedSurrogate(scanned) && FrameScan.holdsUnpairedSurrogate(parsed)) {
            requests.accept(refused(new Call("null", JsonRpcErrors.INVALID_REQUEST, null, 0),
                    ErrorCode.INVALID_FORMAT, FrameScan.UNPAIRED_SURROGATE, length));
            return;
        }
        List<Inbound> decoded = new ArrayList<>(1);
        if (parsed instanceof JsonArray batch) {
            if (batch.isEmpty()) {
                decoded.add(refused(new Call("null", JsonRpcErrors.INVALID_REQUEST, null, 0),
                        ErrorCode.INVALID_FORMAT, "invalid request: an empty batch", length));
            } else {
                Batch answers = new Batch();
                batch.forEach(element -> request(element, answers, length, decoded));
                answers.seal();
            }
        } else {
            request(parsed, null, length, decoded);
        }
        // only now: a request answered at once must find its batch complete
        decoded.forEach(requests);
    }

    /** One request (or notification) of the frame, as one or more hub requests. */
    private void request(JsonValue value, Batch batch, int length, List<Inbound> decoded) {
        if (!(value instanceof JsonObject request)) {
            decoded.add(invalid(null, batch, "invalid request: a request must be a JSON object", length));
            return;
        }
        JsonValue id = request.get("id");
        String idJson = id == null ? null : id.toString();
        if (id != null && !(id instanceof JsonString) && id.getValueType() != JsonValue.ValueType.NUMBER
                && id.getValueType() != JsonValue.ValueType.NULL) {
            decoded.add(invalid(null, batch, "invalid request: id must be a string, a number or null", length));
            return;
        }
        if (!(request.get("jsonrpc") instanceof JsonString version) || !"2.0".equals(version.getString())) {
            decoded.add(invalid(idJson, batch, "invalid request: jsonrpc must be \"2.0\"", length));
            return;
        }
        if (!(request.get("method") instanceof JsonString methodName) || methodName.getString().isEmpty()) {
            decoded.add(invalid(idJson, batch, "invalid request: method must be a non-empty string", length));
            return;
        }
        String method = methodName.getString();
        JsonValue params = request.get("params");
        if (params != null && params.getValueType() != JsonValue.ValueType.NULL
                && params.getValueType() != JsonValue.ValueType.OBJECT) {
            if (params.getValueType() != JsonValue.ValueType.ARRAY) {
                decoded.add(invalid(idJson, batch, "invalid request: params must be an object or an array", length));
            } else {
                decoded.add(refused(call(idJson, 0, batch), ErrorCode.INVALID_FORMAT,
                        "invalid params: params must be an object (named parameters)", length));
            }
            return;
        }
        JsonObject named = params instanceof JsonObject object ? object : Json.emptyObject();
        Call call = call(idJson, 0, batch);
        if (method.startsWith("rpc.")) {
            decoded.add(refused(call, ErrorCode.UNKNOWN_MESSAGE_TYPE, "method '" + method + "' not found", length));
        } else if (JsonRpcMethods.isTopicsMethod(method)) {
            topics(call, method, named, length, decoded);
        } else {
            JsonRpcMethods.Operation operation = JsonRpcMethods.operation(method, named);
            decoded.add(Inbound.valid(pending.add(call), operation.type(), operation.data(), length));
        }
    }

    /** One join or leave per topic, answered as one response. */
    private void topics(Call call, String method, JsonObject params, int length, List<Inbound> decoded) {
        String[] topics = JsonRpcMethods.topics(params);
        if (topics == null) {
            decoded.add(refused(call, ErrorCode.INVALID_FORMAT,
                    "invalid params: topics must be a non-empty array of non-empty strings", length));
            return;
        }
        Topics answers = new Topics(call, topics, JsonRpcMethods.SUBSCRIBE.equals(method));
        String type = JsonRpcMethods.topicType(method);
        for (int i = 0; i < topics.length; i++) {
            JsonObject data = Json.object().add("room_id", topics[i]).build();
            decoded.add(Inbound.valid(pending.add(new TopicOfCall(answers, i)), type, data, length));
        }
    }

    private static Call call(String idJson, int errorCode, Batch batch) {
        boolean answered = idJson != null || errorCode != 0;
        return new Call(answered && idJson == null ? "null" : idJson, errorCode, batch,
                batch != null && answered ? batch.slot() : 0);
    }

    /** An invalid request: answered even without an id (then with {@code id: null}), as the specification says. */
    private Inbound invalid(String idJson, Batch batch, String message, int length) {
        return refused(call(idJson == null ? "null" : idJson, JsonRpcErrors.INVALID_REQUEST, batch),
                ErrorCode.INVALID_FORMAT, message, length);
    }

    /** A request the hub answers with an error (and counts and rate-limits like any malformed frame). */
    private Inbound refused(Call call, ErrorCode code, String message, int length) {
        return Inbound.malformed(pending.add(call), code, message, length);
    }

    @Override
    public String encode(Outbound message) {
        Answer answer = pending.take(message.requestId());
        boolean error = "error".equals(message.type());
        if (answer instanceof Call call) {
            if (call.isNotification()) {
                return null;
            }
            return call.respond(error ? JsonRpcCalls.error(call.idJson(), message.dataJson())
                    : JsonRpcCalls.result(call.idJson(), JsonRpcMethods.result(message.type(), message.dataJson())));
        }
        if (answer instanceof TopicOfCall part) {
            String result = part.topics().answered(part.index(), error ? message.dataJson() : null);
            Call call = part.topics().call();
            return result == null || call.isNotification() ? null
                    : call.respond(JsonRpcCalls.result(call.idJson(), result));
        }
        if (ServerMessageTypes.DONE.equals(message.type())) {
            return null; // the handler answered by itself (a join sends its room_joined before it completes)
        }
        return JsonRpcPushes.encode(message); // unasked, or a late second answer (direct_acked after the request's)
    }

    @Override
    public String errorData(ErrorCode code, String message, Long requestId) {
        int rpcCode = pending.peek(requestId) instanceof Call call && call.errorCode() != 0 ? call.errorCode()
                : JsonRpcErrors.code(code);
        StringBuilder out = new StringBuilder(96 + message.length());
        out.append("{\"code\":").append(rpcCode).append(",\"reason\":");
        Json.quote(out, JsonRpcErrors.reason(rpcCode, code)).append(",\"message\":");
        Json.quote(out, message).append(",\"data\":{\"wshub_code\":").append(code.code()).append("}}");
        return out.toString();
    }
}
