package io.wshub.protocol.gohub;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoHubCodecTest {

    private final GoHubCodec codec = GoHubCodec.INSTANCE;

    @Test
    void decodesAFullFrame() {
        Inbound in = codec.decode("{\"message_id\":7,\"message_type\":\"join_room\",\"data\":{\"room_id\":\"lobby\"}}");
        assertTrue(in.isValid());
        assertEquals(7L, in.messageId());
        assertEquals("join_room", in.type());
        assertEquals("lobby", in.data().getString("room_id"));
    }

    @Test
    void messageIdAndDataAreOptional() {
        Inbound in = codec.decode("{\"message_type\":\"ping\"}");
        assertTrue(in.isValid());
        assertNull(in.messageId());
        assertTrue(in.data().isEmpty());
    }

    @Test
    void everyMalformedFrameBecomesAnErrorValueNeverAnException() {
        assertMalformed("", ErrorCode.INVALID_FORMAT, null);
        assertMalformed("{", ErrorCode.INVALID_FORMAT, null);
        assertMalformed("\"text\"", ErrorCode.INVALID_FORMAT, null);
        assertMalformed("{\"message_id\":3}", ErrorCode.INVALID_FORMAT, 3L);
        assertMalformed("{\"message_id\":3,\"message_type\":\"\"}", ErrorCode.INVALID_FORMAT, 3L);
        assertMalformed("{\"message_id\":3,\"message_type\":[1]}", ErrorCode.INVALID_FORMAT, 3L);
        assertMalformed("{\"message_id\":3,\"message_type\":\"" + "t".repeat(65) + "\"}", ErrorCode.INVALID_FORMAT, 3L);
        assertMalformed("{\"message_id\":3,\"message_type\":\"echo\",\"data\":[]}", ErrorCode.INVALID_FORMAT, 3L);
        assertMalformed("{\"message_id\":\"3\",\"message_type\":\"echo\"}", ErrorCode.INVALID_MESSAGE_ID, null);
        assertMalformed("{\"message_id\":1e40,\"message_type\":\"echo\"}", ErrorCode.INVALID_MESSAGE_ID, null);
    }

    @Test
    void aFrameNestedDeeperThanTheParserAllowsIsMalformedNotAnException() {
        // Parsson refuses more than 1000 levels with a bare RuntimeException
        assertMalformed("{\"message_id\":3,\"message_type\":\"echo\",\"data\":{\"d\":" + "[".repeat(3000)
                + "]".repeat(3000) + "}}", ErrorCode.INVALID_FORMAT, null);
    }

    @Test
    void anUnpairedSurrogateAnywhereInTheParsedFrameIsRefused() {
        // JSON escapes can spell half a surrogate pair, which has no UTF-8 form: such a frame could not be answered
        for (String frame : new String[]{
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"content\":\"\\ud800\"}}",
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"content\":\"x\\uDC00y\"}}",
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"content\":\"\\udc00\\ud800\"}}",
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"content\":\"ab\\ud83d\"}}",
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"\\ud800\":1}}",
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"a\":[1,{\"b\":[\"\\udfff\"]}]}}",
                "{\"message_id\":4,\"message_type\":\"e\\ud800\"}",
                "{\"message_id\":4,\"message_type\":\"echo\",\"extra\":\"\\ud800\"}",
                // not from a WebSocket, whose text is valid UTF-8, but decode takes any string
                "{\"message_id\":4,\"message_type\":\"echo\",\"data\":{\"content\":\"\ud800\"}}"}) {
            Inbound in = codec.decode(frame);
            assertFalse(in.isValid(), frame);
            assertEquals(ErrorCode.INVALID_FORMAT, in.error(), frame);
            assertEquals(GoHubCodec.UNPAIRED_SURROGATE, in.errorMessage(), frame);
            assertEquals(4L, in.messageId(), frame);
        }
    }

    @Test
    void escapedSurrogatePairsAndEscapedBackslashesAreFine() {
        Inbound pair = codec.decode("{\"message_type\":\"echo\",\"data\":{\"\\uD83D\\uDE00\":\"\\ud83d\\ude00\"}}");
        assertTrue(pair.isValid(), pair.errorMessage());
        assertEquals("\uD83D\uDE00", pair.data().getString("\uD83D\uDE00"));
        Inbound raw = codec.decode("{\"message_type\":\"echo\",\"data\":{\"e\":\"\uD83D\uDE00\"}}");
        assertTrue(raw.isValid(), raw.errorMessage());
        Inbound backslash = codec.decode("{\"message_type\":\"echo\",\"data\":{\"path\":\"C:\\\\ud800\"}}");
        assertTrue(backslash.isValid(), backslash.errorMessage());
        assertEquals("C:\\ud800", backslash.data().getString("path"));
    }

    private void assertMalformed(String text, ErrorCode code, Long messageId) {
        Inbound in = codec.decode(text);
        assertFalse(in.isValid(), text);
        assertEquals(code, in.error(), text);
        assertEquals(messageId, in.messageId(), text);
    }

    @Test
    void lengthIsTheUtf8Size() {
        String text = "{\"message_type\":\"ping\",\"data\":{\"x\":\"\u00e9\u20AC\uD83D\uDE00\"}}";
        assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, codec.decode(text).length());
        assertEquals(4, Json.utf8Length("\uD83D\uDE00"));
        assertEquals(3, Json.utf8Length("\u20AC"));
        assertEquals(2, Json.utf8Length("\u00e9"));
        assertEquals(1, Json.utf8Length("a"));
    }

    @Test
    void encodesRepliesWithRequestIdAndEscapedType() {
        String text = codec.encode(new Outbound(12, "we\"ird", "{\"a\":1}", 1000, 7L));
        JsonObject frame = Json.parse(text).asJsonObject();
        assertEquals(12, frame.getInt("message_id"));
        assertEquals("we\"ird", frame.getString("message_type"));
        assertEquals(1, frame.getJsonObject("data").getInt("a"));
        assertEquals(1000, frame.getInt("timestamp"));
        assertEquals(7, frame.getInt("request_id"));
        assertFalse(Json.parse(codec.encode(new Outbound(1, "t", "{}", 1, null))).asJsonObject()
                .containsKey("request_id"));
    }

    @Test
    void errorDataCarriesCodeMessageAndRequestId() {
        JsonObject data = Json.parse(codec.errorData(ErrorCode.ROOM_FULL, "full \n\"room\"", 9L)).asJsonObject();
        assertEquals(3002, data.getInt("code"));
        assertEquals("full \n\"room\"", data.getString("message"));
        assertEquals(9, data.getInt("request_id"));
    }

    @Test
    void theLengthIsTheFramesSizeInUtf8() {
        for (String text : java.util.List.of("{\"message_type\":\"ping\"}",
                "{\"message_type\":\"echo\",\"data\":{\"t\":\"h\u00e9llo \ud83d\ude00 \u4e16\"}}",
                "{\"message_type\":\"echo\",\"data\":{\"t\":\"\\\\ \\\" \\u00e9\"}}", "not json \u00e9")) {
            assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, codec.decode(text).length(),
                    text);
        }
    }
}
