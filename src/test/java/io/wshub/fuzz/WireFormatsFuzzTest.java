package io.wshub.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wshub.protocol.ConnectionCodec;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.ServerMessageTypes;
import io.wshub.protocol.gows.GoWsCodec;
import io.wshub.protocol.jsonrpc.JsonRpcCodec;
import org.junit.jupiter.api.Timeout;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JSON-RPC and go-ws codecs never throw on a client frame, and answering every request they decode the way the
 * Dispatcher does (a reply with its data, DONE, or the error it carries) gives frames that are JSON and UTF-8, and
 * leaves no request waiting. The input is a text frame as UTF-8, what a WebSocket delivers.
 */
class WireFormatsFuzzTest {

    @FuzzTest(maxDuration = "3m")
    @Timeout(10)
    void jsonRpc(byte[] input) {
        answerAll(JsonRpcCodec.forConnection(65536), new String(input, StandardCharsets.UTF_8));
    }

    @FuzzTest(maxDuration = "3m")
    @Timeout(10)
    void goWs(byte[] input) {
        answerAll(GoWsCodec.forConnection(), new String(input, StandardCharsets.UTF_8));
    }

    private static void answerAll(ConnectionCodec<?> codec, String text) {
        List<Inbound> requests = new ArrayList<>();
        codec.decode(text, requests::add);
        assertFalse(requests.isEmpty(), "a frame is at least one request, answered with an error if nothing else");
        int turn = 0;
        for (Inbound request : requests) {
            assertNotNull(request.messageId(), "every request can be answered");
            String frame;
            if (!request.isValid()) {
                frame = codec.encode(new Outbound(1, "error", codec.errorData(request.error(), request.errorMessage(),
                        request.messageId()), 0, request.messageId()));
            } else if (turn++ % 2 == 0) {
                // a reply of the request's data (errors come only from errorData, never from a client's type)
                frame = codec.encode(new Outbound(1, "echo", request.data().toString(), 0, request.messageId()));
            } else {
                frame = codec.encode(new Outbound(1, ServerMessageTypes.DONE, "{}", 0, request.messageId()));
            }
            if (frame != null) {
                assertNotNull(Json.parseOrNull(frame), () -> "not JSON: " + frame);
                try {
                    StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(frame));
                } catch (CharacterCodingException e) {
                    fail("an answer that is not encodable as UTF-8: " + frame, e);
                }
            }
        }
        assertEquals(0, codec.waiting(), "every request is answered once");
    }
}
