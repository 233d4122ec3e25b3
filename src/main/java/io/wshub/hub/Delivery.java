package io.wshub.hub;

import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;

/**
 * One message on its way to one or many connections. It is encoded at most once per wire format, however many
 * receivers share that format: a room of 10,000 members costs one JSON encoding, not 10,000.
 */
public final class Delivery {

    private final Outbound message;
    private volatile Encoded cache;

    private record Encoded(WireCodec codec, String text) {
    }

    public Delivery(Outbound message) {
        this.message = message;
    }

    public Outbound message() {
        return message;
    }

    /** No lock: two threads racing would each encode once, which is cheaper than locking every fan-out. */
    String encodedFor(WireCodec codec) {
        Encoded last = cache;
        if (last != null && last.codec() == codec) {
            return last.text();
        }
        String text = codec.encode(message);
        cache = new Encoded(codec, text);
        return text;
    }
}
