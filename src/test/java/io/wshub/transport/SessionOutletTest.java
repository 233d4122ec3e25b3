package io.wshub.transport;

import io.wshub.hub.Frame;
import io.wshub.hub.Outlet;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * What a session's outlet hands to the socket: the first frame through Tyrus (it flushes the 101), then data frames
 * straight to Grizzly, and frames that waited together as one write of their frames one after the other.
 */
class SessionOutletTest {

    /** What a sender was given, as the socket would see it. */
    private static final class Recorded implements FrameSender {
        final List<byte[]> writes = new ArrayList<>();

        @Override
        public void send(byte[] frame, Outlet.Done done) {
            writes.add(frame);
            done.completed(null);
        }
    }

    /** Reads consecutive unmasked text frames back. */
    private static List<String> frames(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        List<String> texts = new ArrayList<>();
        while (in.hasRemaining()) {
            assertEquals((byte) 0x81, in.get(), "FIN and opcode text");
            int first = in.get() & 0xff;
            long length = first == 126 ? in.getShort() & 0xffff : first == 127 ? in.getLong() : first;
            byte[] payload = new byte[(int) length];
            in.get(payload);
            texts.add(new String(payload, StandardCharsets.UTF_8));
        }
        return texts;
    }

    @Test
    void framesThatWaitedTogetherAreOneWriteOfTheirFramesInOrder() {
        Recorded direct = new Recorded();
        Recorded raw = new Recorded();
        SessionOutlet outlet = new SessionOutlet(null, direct, raw, null);
        assertEquals(1, outlet.maxBatch(), "no batch before the first frame has flushed the handshake");
        Throwable[] result = {new AssertionError("not completed")};
        outlet.write(Frame.of("first"), failure -> result[0] = failure);
        assertNull(result[0]);
        assertEquals(1, raw.writes.size(), "the first frame goes through Tyrus");
        assertEquals(64, outlet.maxBatch());

        List<Frame> batch = List.of(Frame.of("a"), Frame.of("x".repeat(300)), Frame.of("h\u00e9llo \ud83d\ude00"),
                Frame.of("y".repeat(70_000)));
        result[0] = new AssertionError("not completed");
        outlet.write(batch, failure -> result[0] = failure);
        assertNull(result[0], "done once the write completed");
        assertEquals(1, direct.writes.size(), "one write for the four frames");
        assertEquals(List.of("a", "x".repeat(300), "h\u00e9llo \ud83d\ude00", "y".repeat(70_000)),
                frames(direct.writes.get(0)));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        batch.forEach(frame -> expected.writeBytes(TyrusRawFrames.textFrame(frame.text())));
        assertArrayEquals(expected.toByteArray(), direct.writes.get(0));
    }

    @Test
    void withoutDirectWritesFramesAreNeverBatched() {
        Recorded raw = new Recorded();
        SessionOutlet outlet = new SessionOutlet(null, null, raw, null);
        outlet.write(Frame.of("first"), failure -> { });
        outlet.write(Frame.of("second"), failure -> { });
        assertEquals(1, outlet.maxBatch(), "Tyrus's raw path takes one frame at a time");
        assertEquals(2, raw.writes.size());
    }
}
