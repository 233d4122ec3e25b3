package io.wshub.protocol.jsonrpc;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.ServerMessageTypes;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The codec against the hub's side of the contract: each decoded request is answered once, as the Dispatcher does. */
class JsonRpcCodecTest {

    private final JsonRpcCodec codec = JsonRpcCodec.forConnection(65536);

    private List<Inbound> decode(String frame) {
        List<Inbound> requests = new ArrayList<>();
        codec.decode(frame, requests::add);
        return requests;
    }

    private Inbound single(String frame) {
        List<Inbound> requests = decode(frame);
        assertEquals(1, requests.size(), frame);
        return requests.get(0);
    }

    private String reply(Inbound request, String type, String data) {
        return codec.encode(new Outbound(9, type, data, 1L, request.messageId()));
    }

    private String fail(Inbound request, ErrorCode code, String message) {
        return codec.encode(new Outbound(9, "error", codec.errorData(code, message, request.messageId()), 1L,
                request.messageId()));
    }

    /** What the Dispatcher answers for a malformed request. */
    private String answerMalformed(Inbound request) {
        assertFalse(request.isValid());
        return fail(request, request.error(), request.errorMessage());
    }

    private static JsonObject object(String json) {
        return Json.parse(json).asJsonObject();
    }

    @Test
    void aRequestBecomesTheHubTypeAndItsResultEchoesTheIdExactly() {
        Inbound echo = single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"a\":1},\"id\":\"x-1\"}");
        assertTrue(echo.isValid());
        assertEquals("echo", echo.type());
        assertEquals(1, echo.data().getInt("a"));
        assertEquals("{\"jsonrpc\":\"2.0\",\"result\":{\"a\":1},\"id\":\"x-1\"}", reply(echo, "echo", "{\"a\":1}"));

        Inbound numbered = single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":12345678901}");
        assertEquals(12345678901L, object(reply(numbered, "echo", "{}")).getJsonNumber("id").longValue());
        assertEquals(0, codec.waiting());
    }

    @Test
    void bingoMethodsTakeTheirOwnParameterNames() {
        Inbound login = single("{\"jsonrpc\":\"2.0\",\"method\":\"auth.login\",\"params\":{\"accessToken\":\"jwt\","
                + "\"platform\":\"web\"},\"id\":1}");
        assertEquals("login", login.type());
        assertEquals("jwt", login.data().getString("token"));
        assertEquals("web", login.data().getString("platform"));
        assertEquals("login", single("{\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"accessToken\":\"t\"},"
                + "\"id\":2}").type());
        Inbound refresh = single("{\"jsonrpc\":\"2.0\",\"method\":\"auth.refresh\",\"params\":{\"token\":\"t2\"},"
                + "\"id\":3}");
        assertEquals("refresh_token", refresh.type());
        assertEquals("t2", refresh.data().getString("token"));

        Inbound publish = single("{\"jsonrpc\":\"2.0\",\"method\":\"publish\",\"params\":{\"topic\":\"g\","
                + "\"data\":{\"t\":1}},\"id\":4}");
        assertEquals("room_message", publish.type());
        assertEquals("g", publish.data().getString("room_id"));
        assertEquals(object("{\"t\":1}"), publish.data().get("content"));

        Inbound send = single("{\"jsonrpc\":\"2.0\",\"method\":\"message.send\",\"params\":{\"to_user\":\"bob\","
                + "\"data\":\"hi\",\"platform\":\"ios\"},\"id\":5}");
        assertEquals("direct_message", send.type());
        assertEquals("bob", send.data().getString("target_id"));
        assertEquals("hi", send.data().getString("content"));
        assertEquals("ios", send.data().getString("platform"));

        Inbound heartbeat = single("{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"id\":6}");
        assertEquals("ping", heartbeat.type());
        assertEquals(object("{\"server_time\":77}"), object(reply(heartbeat, "pong", "{\"server_ts\":77}"))
                .getJsonObject("result"));
    }

    @Test
    void anyOtherMethodIsTheHubTypeWithUnderscoresForDots() {
        assertEquals("presence_stats", single("{\"jsonrpc\":\"2.0\",\"method\":\"presence.stats\","
                + "\"params\":{\"room_id\":\"r\"},\"id\":1}").type());
        assertEquals("watch_users", single("{\"jsonrpc\":\"2.0\",\"method\":\"watch.users\",\"id\":2}").type());
        assertEquals("history", single("{\"jsonrpc\":\"2.0\",\"method\":\"history\",\"id\":3}").type());
        assertEquals("ack", single("{\"jsonrpc\":\"2.0\",\"method\":\"ack\",\"params\":{\"ack_id\":\"a\"}}").type());
    }

    @Test
    void aHandlerThatRepliesNothingIsAnEmptyResult() {
        assertTrue(codec.answersEveryRequest());
        Inbound publish = single("{\"jsonrpc\":\"2.0\",\"method\":\"publish\",\"params\":{\"topic\":\"g\","
                + "\"data\":1},\"id\":7}");
        assertEquals("{\"jsonrpc\":\"2.0\",\"result\":{},\"id\":7}", reply(publish, ServerMessageTypes.DONE, "{}"));
        // a handler that sent its own answer (a join's room_joined) is followed by a DONE that adds nothing
        Inbound echo = single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":8}");
        reply(echo, "echo", "{}");
        assertNull(reply(echo, ServerMessageTypes.DONE, "{}"));
    }

    @Test
    void notificationsAreNeverAnsweredNotEvenWithAnError() {
        Inbound notification = single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{}}");
        assertNull(reply(notification, "echo", "{}"));
        Inbound failing = single("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}");
        assertNull(fail(failing, ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown"));
        Inbound badParams = single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1]}");
        assertNull(answerMalformed(badParams));
        assertEquals(0, codec.waiting());
    }

    @Test
    void everyErrorOfTheSpecification() {
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":")), -32700, "ParseError", "null");
        assertError(answerMalformed(single("[]")), -32600, "InvalidRequest", "null");
        assertError(answerMalformed(single("42")), -32600, "InvalidRequest", "null");
        assertError(answerMalformed(single("{\"method\":\"echo\",\"id\":1}")), -32600, "InvalidRequest", "1");
        assertError(answerMalformed(single("{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}")), -32600,
                "InvalidRequest", "1");
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":1,\"params\":\"bar\"}")), -32600,
                "InvalidRequest", "null");
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":{}}")), -32600,
                "InvalidRequest", "null");
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":\"x\",\"id\":2}")),
                -32600, "InvalidRequest", "2");
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":3}")),
                -32602, "InvalidParams", "3");
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":\"rpc.x\",\"id\":4}")), -32601,
                "MethodNotFound", "4");
        Inbound unknown = single("{\"jsonrpc\":\"2.0\",\"method\":\"no.such\",\"id\":\"u\"}");
        assertError(fail(unknown, ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown"), -32601, "MethodNotFound", "\"u\"");
        Inbound failing = single("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":5}");
        assertError(fail(failing, ErrorCode.SERVER_ERROR, "boom"), -32603, "InternalError", "5");
        Inbound forbidden = single("{\"jsonrpc\":\"2.0\",\"method\":\"publish\",\"params\":{},\"id\":6}");
        JsonObject error = assertError(fail(forbidden, ErrorCode.UNAUTHORIZED, "log in"), -32001, "Unauthorized",
                "6");
        assertEquals("log in", error.getString("message"));
        assertEquals(2000, error.getJsonObject("data").getInt("wshub_code"));
        assertEquals(0, codec.waiting());
    }

    private static JsonObject assertError(String response, int code, String reason, String id) {
        JsonObject frame = object(response);
        assertEquals("2.0", frame.getString("jsonrpc"));
        assertEquals(id, frame.get("id").toString(), response);
        assertFalse(frame.containsKey("result"));
        JsonObject error = frame.getJsonObject("error");
        assertEquals(code, error.getInt("code"), response);
        assertEquals(reason, error.getString("reason"), response);
        assertTrue(error.getJsonObject("data").containsKey("wshub_code"));
        return error;
    }

    @Test
    void aBatchIsAnsweredWithOneArrayOnceItsLastRequestIsAnswered() {
        List<Inbound> batch = decode("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"n\":1},\"id\":1},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"n\":2}},"
                + "{\"foo\":\"boo\"},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"b\"}]");
        assertEquals(4, batch.size());
        assertNull(reply(batch.get(0), "echo", "{\"n\":1}"));
        assertNull(reply(batch.get(1), "echo", "{\"n\":2}"));
        assertNull(answerMalformed(batch.get(2)));
        JsonArray responses = Json.parse(fail(batch.get(3), ErrorCode.UNKNOWN_MESSAGE_TYPE, "x")).asJsonArray();
        assertEquals(3, responses.size());
        assertEquals(1, responses.getJsonObject(0).getInt("id"));
        assertEquals(JsonValue.NULL, responses.getJsonObject(1).get("id"));
        assertEquals(-32600, responses.getJsonObject(1).getJsonObject("error").getInt("code"));
        assertEquals("b", responses.getJsonObject(2).getString("id"));
        assertEquals(-32601, responses.getJsonObject(2).getJsonObject("error").getInt("code"));
        assertEquals(0, codec.waiting());
    }

    @Test
    void aBatchOfNotificationsIsNeverAnswered() {
        List<Inbound> batch = decode("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},{\"jsonrpc\":\"2.0\","
                + "\"method\":\"heartbeat\"}]");
        assertEquals(2, batch.size());
        assertNull(reply(batch.get(0), "echo", "{}"));
        assertNull(reply(batch.get(1), "pong", "{\"server_ts\":1}"));
    }

    @Test
    void subscribeIsOneJoinPerTopicAnsweredTogether() {
        List<Inbound> joins = decode("{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\",\"params\":{\"topics\":"
                + "[\"a\",\"b\",\"c\"]},\"id\":1}");
        assertEquals(List.of("join_room", "join_room", "join_room"), joins.stream().map(Inbound::type).toList());
        assertEquals("b", joins.get(1).data().getString("room_id"));
        assertNull(reply(joins.get(0), "room_joined", "{\"room_id\":\"a\"}"));
        assertNull(fail(joins.get(1), ErrorCode.FORBIDDEN, "not b"));
        JsonObject result = object(fail(joins.get(2), ErrorCode.ALREADY_IN_ROOM, "in c")).getJsonObject("result");
        assertEquals(Json.parse("[\"a\",\"c\"]"), result.get("subscribed"));
        JsonObject failed = result.getJsonObject("failed").getJsonObject("b");
        assertEquals(-32003, failed.getInt("code"));
        assertEquals("not b", failed.getString("message"));

        List<Inbound> leaves = decode("{\"jsonrpc\":\"2.0\",\"method\":\"unsubscribe\",\"params\":{\"topics\":"
                + "[\"a\"]},\"id\":2}");
        assertEquals("leave_room", leaves.get(0).type());
        JsonObject left = object(fail(leaves.get(0), ErrorCode.NOT_IN_ROOM, "not in a")).getJsonObject("result");
        assertEquals(Json.parse("[\"a\"]"), left.get("unsubscribed"));

        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\",\"params\":{\"topics\":[]},"
                + "\"id\":3}")), -32602, "InvalidParams", "3");
        assertError(answerMalformed(single("{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\",\"params\":{\"topics\":[1]},"
                + "\"id\":4}")), -32602, "InvalidParams", "4");
        assertEquals(0, codec.waiting());
    }

    @Test
    void aFrameOverTheLimitIsOneRequestRefusedBySize() {
        JsonRpcCodec small = JsonRpcCodec.forConnection(20);
        List<Inbound> requests = new ArrayList<>();
        small.decode("[" + "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1},".repeat(3) + "1]", requests::add);
        assertEquals(1, requests.size());
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, requests.get(0).error());
        assertTrue(requests.get(0).length() > 20);
    }

    @Test
    void pushesAreNotificationsInBingosShapes() {
        assertSame(codec.shared(), JsonRpcCodec.forConnection(1).shared());
        var pushes = codec.shared();
        JsonObject message = object(pushes.encode(new Outbound(1, "room_message", "{\"room_id\":\"g\",\"content\":"
                + "{\"t\":1},\"sender_id\":\"alice\",\"sender_client_id\":\"c1\",\"timestamp\":5,\"offset\":3}", 5, null)));
        assertEquals("message", message.getString("method"));
        assertFalse(message.containsKey("id"));
        assertEquals(object("{\"topic\":\"g\",\"data\":{\"t\":1},\"sender_id\":\"alice\",\"offset\":3}"),
                message.getJsonObject("params"));

        JsonObject direct = object(pushes.encode(new Outbound(2, "direct_message", "{\"content\":\"hi\","
                + "\"sender_id\":\"bob\",\"timestamp\":5}", 5, null)));
        assertEquals("message.direct", direct.getString("method"));
        assertEquals("hi", direct.getJsonObject("params").getString("data"));
        assertEquals("bob", direct.getJsonObject("params").getString("sender_id"));

        assertEquals("session.kicked", object(pushes.encode(new Outbound(3, "session_kicked",
                "{\"reason\":\"replaced\"}", 5, null))).getString("method"));
        JsonObject shutdown = object(pushes.encode(new Outbound(4, "shutdown", "{\"reconnect_after_ms\":10}", 5,
                null)));
        assertEquals("session.shutdown", shutdown.getString("method"));
        assertEquals(10, shutdown.getJsonObject("params").getInt("reconnect_after_ms"));
        assertEquals("session.expired", object(pushes.encode(new Outbound(5, "error",
                codec.errorData(ErrorCode.TOKEN_EXPIRED, "expired", null), 5, null))).getString("method"));
        JsonObject backend = object(pushes.encode(new Outbound(6, "order.created", "{\"id\":9}", 5, null)));
        assertEquals("order.created", backend.getString("method"));
        assertEquals(object("{\"id\":9}"), backend.getJsonObject("params"));
        assertError(pushes.encode(new Outbound(7, "error", codec.errorData(ErrorCode.TOO_MANY_CONNECTIONS, "max", null),
                5, null)), -32029, "TooManyConnections", "null");
    }

    @Test
    void everyHubCodeHasAJsonRpcCodeAndAReason() {
        for (ErrorCode code : EnumSet.allOf(ErrorCode.class)) {
            int rpc = JsonRpcErrors.code(code);
            assertTrue(rpc <= -32000 && rpc >= -32768, code.name());
            assertNotEquals(JsonRpcErrors.SERVER_ERROR, rpc, code + " is missing from the table");
            assertFalse(JsonRpcErrors.reason(rpc, code).isEmpty());
        }
        assertEquals(-32001, JsonRpcErrors.code(ErrorCode.UNAUTHORIZED));
        assertEquals(-32003, JsonRpcErrors.code(ErrorCode.FORBIDDEN));
        assertEquals(-32004, JsonRpcErrors.code(ErrorCode.ROOM_NOT_FOUND));
        assertEquals(-32029, JsonRpcErrors.code(ErrorCode.RATE_LIMITED));
        assertEquals(-32602, JsonRpcErrors.code(ErrorCode.INVALID_FORMAT));
        assertEquals("RoomFull", JsonRpcErrors.reason(JsonRpcErrors.code(ErrorCode.ROOM_FULL), ErrorCode.ROOM_FULL));
    }
}
