package io.wshub.transport;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The frames written raw are what RFC 6455 says a server's final text frame is, for each length encoding. */
class TyrusRawFramesTest {

    /** Reads one unmasked frame back: its text. */
    static String read(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        assertEquals((byte) 0x81, in.get(), "FIN and opcode text");
        int first = in.get() & 0xff;
        assertEquals(0, first & 0x80, "a server never masks");
        long length = first == 126 ? in.getShort() & 0xffff : first == 127 ? in.getLong() : first;
        assertEquals(in.remaining(), length, "the length says what follows");
        byte[] payload = new byte[(int) length];
        in.get(payload);
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Test
    void everyLengthEncodingRoundTrips() {
        for (int size : new int[]{0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
            String text = "x".repeat(size);
            byte[] frame = TyrusRawFrames.textFrame(text);
            assertEquals(text, read(frame), "payload of " + size);
            int header = size <= 125 ? 2 : size <= 65_535 ? 4 : 10;
            assertEquals(header + size, frame.length);
        }
    }

    @Test
    void lengthsAreCountedInUtf8BytesNotCharacters() {
        String text = "h\u00e9llo \ud83d\ude00 \u4e16\u754c".repeat(30);
        assertEquals(text, read(TyrusRawFrames.textFrame(text)));
    }
}
