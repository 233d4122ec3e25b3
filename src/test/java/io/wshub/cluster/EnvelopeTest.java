package io.wshub.cluster;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EnvelopeTest {

    @Test
    void everyFieldSurvivesTheRoundTripIncludingNullsAndAnyCharacters() {
        Envelope message = Envelope.message(Envelope.Kind.USER_MESSAGE, "node-a", "user|with\nodd ü chars", "ios",
                "direct_message", "{\"content\":\"h\\u00e9llo\",\"n\":1}", 1234L);
        Envelope decoded = Envelope.decode(message.encode(99L));
        assertEquals(new Envelope(Envelope.Kind.USER_MESSAGE, "node-a", "user|with\nodd ü chars", null, "ios",
                "direct_message", "{\"content\":\"h\\u00e9llo\",\"n\":1}", 1234L, 0, null, 99L, null, 0), decoded);

        Envelope kick = Envelope.control(Envelope.Kind.KICK_CLIENT, "node-b", "client-1", null, 4002, "bye");
        assertEquals(kick, Envelope.decode(kick.encode(0L)));
    }

    @Test
    void aForeignOrTruncatedPayloadIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Envelope.decode(new byte[]{9, 0}));
        byte[] whole = Envelope.control(Envelope.Kind.ATTACH, "n", "c", "room", 0, null).encode(1L);
        assertThrows(IllegalArgumentException.class,
                () -> Envelope.decode(java.util.Arrays.copyOf(whole, whole.length - 3)));
        assertThrows(IllegalArgumentException.class,
                () -> Envelope.decode(java.util.Arrays.copyOf(whole, whole.length + 1)), "trailing bytes");
    }

    @Test
    void anUnknownKindIsRefusedNotAnIndexError() {
        byte[] whole = Envelope.control(Envelope.Kind.ATTACH, "n", "c", "room", 0, null).encode(1L);
        for (int kind : new int[]{Envelope.Kind.values().length, 0x7f, 0xff}) {
            whole[1] = (byte) kind;
            assertThrows(IllegalArgumentException.class, () -> Envelope.decode(whole), "kind " + kind);
        }
    }

    @Test
    void aCorruptLengthPrefixIsRefusedWithoutSizingABuffer() {
        // version, kind, then the origin's length: 2^31-1, and -2 (only -1, null, is negative)
        assertThrows(IllegalArgumentException.class,
                () -> Envelope.decode(new byte[]{1, 0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a', 'b'}));
        assertThrows(IllegalArgumentException.class,
                () -> Envelope.decode(new byte[]{1, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe, 'a'}));
    }
}
