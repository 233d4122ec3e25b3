package io.wshub.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wshub.cluster.Envelope;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * {@link Envelope#decode} refuses bad bytes with {@link IllegalArgumentException} and nothing else (no index, memory
 * or state errors, whatever the kind byte or length prefixes say); what it accepts survives a round trip.
 */
class EnvelopeFuzzTest {

    @FuzzTest(maxDuration = "3m")
    @Timeout(10)
    void decode(byte[] input) {
        Envelope envelope;
        try {
            envelope = Envelope.decode(input);
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertNotNull(envelope.kind());
        assertEquals(envelope, Envelope.decode(envelope.encode(envelope.sentAt())));
    }
}
