package io.wshub.protocol.gows;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.ServerMessageTypes;
import io.wshub.protocol.WireCodec;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The codec against the hub's side of the contract: each decoded frame is answered once, as the Dispatcher does. */
class GoWsCodecTest {

    private final GoWsCodec codec = GoWsCodec.forConnection();

    private Inbound decode(String frame) {
        List<Inbound> requests = new ArrayList<>();
        codec.decode(frame, requests::add);
        assertEquals(1, requests.size());
        return requests.get(0);
    }

    private String reply(Inbound request, String type, String data) {
        return codec.encode(new Outbound(9, type, data, 1L, request.messageId()));
    }

    private String answerMalformed(Inbound request) {
        assertFalse(request.isValid());
        return codec.encode(new Outbound(9, "error", codec.errorData(request.error(), request.errorMessage(),
                request.messageId()), 1L, request.messageId()));
    }

    private static JsonObject object(String json) {
        return Json.parse(json).asJsonObject();
    }

    @Test
    void channelFramesAreJoinsLeavesAndRoomMessagesConfirmedWithTheirId() {
        Inbound subscribe = decode("{\"type\":\"subscribe\",\"channel\":\"news\",\"id\":\"1700000000001\"}");
        assertEquals("join_room", subscribe.type());
        assertEquals("news", subscribe.data().getString("room_id"));
        assertEquals("{\"id\":\"1700000000001\",\"type\":\"receive\"}", reply(subscribe, "room_joined", "{}"));
        assertNull(reply(subscribe, ServerMessageTypes.DONE, "{}")); // the join answered by itself before it completed

        Inbound unsubscribe = decode("{\"type\":\"unsubscribe\",\"channel\":\"news\",\"id\":\"2\"}");
        assertEquals("leave_room", unsubscribe.type());
        assertEquals("{\"id\":\"2\",\"type\":\"receive\"}", reply(unsubscribe, "room_left", "{}"));

        Inbound message = decode("{\"id\":\"3\",\"type\":\"message\",\"channel\":\"news\",\"message\":\"hi\"}");
        assertEquals("room_message", message.type());
        assertEquals("hi", message.data().getString("content"));
        assertEquals("{\"id\":\"3\",\"type\":\"receive\"}", reply(message, ServerMessageTypes.DONE, "{}"));
        assertEquals(0, codec.waiting());
    }

    @Test
    void aMessageWithDataOrMetaIsTheObjectOfAllThree() {
        Inbound message = decode("{\"id\":\"4\",\"type\":\"message\",\"channel\":\"c\",\"message\":\"m\","
                + "\"data\":{\"x\":1},\"meta\":{\"username\":\"u\"}}");
        assertEquals(object("{\"message\":\"m\",\"data\":{\"x\":1},\"meta\":{\"username\":\"u\"}}"),
                message.data().get("content"));
        assertEquals(object("{\"meta\":{\"a\":1}}"), decode("{\"id\":\"5\",\"type\":\"message\",\"channel\":\"c\","
                + "\"meta\":{\"a\":1}}").data().get("content"));
    }

    @Test
    void pingIsAnsweredPong() {
        Inbound ping = decode("{\"type\":\"ping\"}");
        assertEquals("ping", ping.type());
        assertEquals("{\"type\":\"pong\"}", reply(ping, "pong", "{\"server_ts\":1}"));
    }

    @Test
    void everyMalformedFrameIsAnErrorWithItsId() {
        assertGoWsError(answerMalformed(decode("not json")), null);
        assertGoWsError(answerMalformed(decode("[1]")), null);
        assertGoWsError(answerMalformed(decode("{\"id\":\"a\"}")), "a");
        assertGoWsError(answerMalformed(decode("{\"id\":\"b\",\"type\":\"subscribe\"}")), "b");
        assertGoWsError(answerMalformed(decode("{\"id\":\"c\",\"type\":\"message\",\"channel\":\"x\"}")), "c");
        assertGoWsError(answerMalformed(decode("{\"id\":\"d\",\"type\":\"history\",\"data\":[]}")), "d");
        assertGoWsError(answerMalformed(decode("{\"id\":\"e\",\"type\":\"echo\",\"data\":{\"s\":\"\\ud800\"}}")), null);
        assertGoWsError(answerMalformed(decode("{\"id\":\"\\udc00\",\"type\":\"ping\"}")), null);
        Inbound unknown = decode("{\"id\":\"f\",\"type\":\"nope\"}");
        assertTrue(unknown.isValid()); // the hub answers 1006 for a type it has no handler for
        JsonObject error = object(codec.encode(new Outbound(9, "error",
                codec.errorData(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown", unknown.messageId()), 1,
                unknown.messageId())));
        assertEquals(1006, error.getInt("code"));
        assertEquals(0, codec.waiting());
    }

    private static void assertGoWsError(String frame, String id) {
        JsonObject error = object(frame);
        assertEquals("error", error.getString("type"));
        assertEquals(1001, error.getInt("code"));
        assertFalse(error.getString("message").isEmpty());
        assertEquals(id, error.containsKey("id") ? error.getString("id") : null);
    }

    @Test
    void roomMessagesAreChannelMessagesWithTheSender() {
        WireCodec pushes = codec.shared();
        assertSame(pushes, GoWsCodec.forConnection().shared());
        JsonObject plain = object(pushes.encode(new Outbound(12, "room_message", "{\"room_id\":\"c\",\"content\":"
                + "{\"text\":\"hi\"},\"sender_id\":\"alice\",\"sender_client_id\":\"cid\",\"timestamp\":5}", 5, null)));
        assertEquals(object("{\"id\":\"12\",\"type\":\"message\",\"channel\":\"c\",\"message\":{\"text\":\"hi\"},"
                + "\"client\":\"cid\",\"sender_id\":\"alice\"}"), plain);

        JsonObject unpacked = object(pushes.encode(new Outbound(13, "room_message", "{\"room_id\":\"c\",\"content\":"
                + "{\"message\":\"m\",\"data\":{\"x\":1},\"meta\":{\"y\":2}},\"sender_id\":\"bob\","
                + "\"sender_client_id\":\"b1\",\"timestamp\":5,\"offset\":7}", 5, null)));
        assertEquals("m", unpacked.getString("message"));
        assertEquals(object("{\"x\":1}"), unpacked.getJsonObject("data"));
        assertEquals(object("{\"y\":2}"), unpacked.getJsonObject("meta"));
        assertEquals(7, unpacked.getInt("offset"));
        assertEquals("b1", unpacked.getString("client"));
    }

    @Test
    void everythingElseIsIdTypeAndData() {
        WireCodec pushes = codec.shared();
        assertEquals(object("{\"id\":\"3\",\"type\":\"connected\",\"data\":{\"client_id\":\"c\"}}"),
                object(pushes.encode(new Outbound(3, "connected", "{\"client_id\":\"c\"}", 5, null))));
        assertEquals(object("{\"id\":\"4\",\"type\":\"error\",\"data\":{\"code\":2002,\"message\":\"expired\"}}"),
                object(pushes.encode(new Outbound(4, "error", codec.errorData(ErrorCode.TOKEN_EXPIRED, "expired",
                        null), 5, null))));
        Inbound history = decode("{\"id\":\"h\",\"type\":\"history\",\"data\":{\"room_id\":\"c\"}}");
        assertEquals("c", history.data().getString("room_id"));
        assertEquals(object("{\"id\":\"h\",\"type\":\"history\",\"data\":{\"messages\":[]}}"),
                object(reply(history, "history", "{\"messages\":[]}")));
    }
}
