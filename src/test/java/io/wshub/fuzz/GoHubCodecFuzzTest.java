package io.wshub.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.junit.jupiter.api.Timeout;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link GoHubCodec#decode} never throws: every text becomes an {@link Inbound}, malformed ones carrying an error
 * code. A frame it accepts must be answerable (its type and data encode to UTF-8) and survive
 * {@link GoHubCodec#encode}.
 * <p>
 * The input is a text frame as UTF-8, what a WebSocket delivers. The same bytes are also read as raw UTF-16 code units
 * (big-endian pairs), which reaches strings a WebSocket never delivers, unpaired surrogates included.
 */
class GoHubCodecFuzzTest {

    private static final GoHubCodec CODEC = GoHubCodec.INSTANCE;

    @FuzzTest(maxDuration = "3m")
    @Timeout(10)
    void decode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        Inbound in = check(text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, in.length(), "the length is the UTF-8 size");

        char[] units = new char[input.length / 2];
        for (int i = 0; i < units.length; i++) {
            units[i] = (char) ((input[2 * i] & 0xff) << 8 | input[2 * i + 1] & 0xff);
        }
        check(new String(units));
    }

    private static Inbound check(String text) {
        Inbound in = CODEC.decode(text);
        assertNotNull(in);
        if (!in.isValid()) {
            assertNotNull(in.error());
            assertNotNull(in.errorMessage());
            assertNull(in.type());
            assertNull(in.data());
            return in;
        }
        assertNull(in.errorMessage());
        assertFalse(in.type().isBlank(), "a valid frame has a type");
        assertTrue(in.type().length() <= 64, "a valid frame's type is at most 64 characters");
        assertNotNull(in.data());

        // answerable: a reply made of the frame's type and data is encodable, and decodes back to the same
        String reply = CODEC.encode(new Outbound(1, in.type(), in.data().toString(), 0, in.messageId()));
        try {
            StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(reply));
        } catch (CharacterCodingException e) {
            fail("accepted a frame whose type or data is not encodable as UTF-8: " + reply, e);
        }
        Inbound back = CODEC.decode(reply);
        assertTrue(back.isValid(), () -> "the encoded reply is refused: " + back.errorMessage() + ": " + reply);
        assertEquals(1L, back.messageId());
        assertEquals(in.type(), back.type());
        assertEquals(in.data(), back.data());
        return in;
    }
}
