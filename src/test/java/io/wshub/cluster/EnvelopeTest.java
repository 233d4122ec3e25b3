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
                "direct_message", "{\"content\":\"h\\u00e9llo\",\"n\":1}", 1234L, 0, null, 99L), decoded);

        Envelope kick = Envelope.control(Envelope.Kind.KICK_CLIENT, "node-b", "client-1", null, 4002, "bye");
        assertEquals(kick, Envelope.decode(kick.encode(0L)));
    }

    @Test
    void aForeignOrTruncatedPayloadIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Envelope.decode(new byte[]{9, 0}));
        byte[] whole = Envelope.control(Envelope.Kind.ATTACH, "n", "c", "room", 0, null).encode(1L);
        assertThrows(IllegalArgumentException.class,
                () -> Envelope.decode(java.util.Arrays.copyOf(whole, whole.length - 3)));
    }
}
