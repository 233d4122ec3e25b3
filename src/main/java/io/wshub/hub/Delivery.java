package io.wshub.hub;

import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One message on its way to one or many connections. It is encoded at most once per wire format, however many
 * receivers share that format: a room of 10,000 members costs one JSON encoding and one frame, not 10,000. A message
 * that cannot be encoded (an unpaired surrogate in its data) is logged once and reaches nobody.
 */
public final class Delivery {

    private static final Logger LOG = Logger.getLogger(Delivery.class.getName());
    private static final Frame UNENCODABLE = Frame.of("");

    private final Outbound message;
    private final RoomPosition roomPosition;
    private volatile Encoded cache;

    private record Encoded(WireCodec codec, Frame frame) {
    }

    public Delivery(Outbound message) {
        this(message, null);
    }

    /** A message of a room with history: its frames carry where it leaves the receiver in the room. */
    public Delivery(Outbound message, RoomPosition roomPosition) {
        this.message = message;
        this.roomPosition = roomPosition;
    }

    public Outbound message() {
        return message;
    }

    /**
     * The frame for receivers of {@code codec}, or null when the message cannot be encoded. No lock: two threads
     * racing would each encode once, which is cheaper than locking every fan-out.
     */
    Frame frameFor(WireCodec codec) {
        Encoded last = cache;
        if (last == null || last.codec() != codec) {
            Frame frame;
            try {
                frame = Frame.of(codec.encode(message), roomPosition);
            } catch (Frame.UnencodableException e) {
                LOG.log(Level.WARNING, "message ''{0}'' not sent to anyone: {1}",
                        new Object[]{message.type(), e.getMessage()});
                frame = UNENCODABLE;
            }
            last = new Encoded(codec, frame);
            cache = last;
        }
        return last.frame() == UNENCODABLE ? null : last.frame();
    }
}
