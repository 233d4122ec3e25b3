package io.wshub.hub;

import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;

import java.util.concurrent.atomic.AtomicReferenceArray;
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
    /** Wire formats cached; a room mixing more formats than this encodes the others per receiver. */
    static final int CACHED_FORMATS = 4;

    private final Outbound message;
    private final RoomPosition roomPosition;
    /** One slot per format, filled in the order the formats are met. */
    private final AtomicReferenceArray<Encoded> cache = new AtomicReferenceArray<>(CACHED_FORMATS);

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

    /** Where the message leaves its receiver in a room with history; null for other messages. */
    RoomPosition roomPosition() {
        return roomPosition;
    }

    /**
     * The frame for receivers of {@code codec}, or null when the message cannot be encoded. No lock: two threads
     * racing for a slot would each encode once, which is cheaper than locking every fan-out.
     */
    Frame frameFor(WireCodec codec) {
        for (int i = 0; i < CACHED_FORMATS; i++) {
            Encoded slot = cache.get(i);
            if (slot == null) {
                Encoded made = encode(codec);
                if (cache.compareAndSet(i, null, made)) {
                    return usable(made);
                }
                slot = cache.get(i); // another format took the slot meanwhile
            }
            if (slot.codec() == codec) {
                return usable(slot);
            }
        }
        return usable(encode(codec));
    }

    private Encoded encode(WireCodec codec) {
        Frame frame;
        try {
            String text = codec.encode(message);
            frame = text == null ? UNENCODABLE : Frame.of(text, roomPosition);
        } catch (Frame.UnencodableException e) {
            LOG.log(Level.WARNING, "message ''{0}'' not sent to anyone: {1}",
                    new Object[]{message.type(), e.getMessage()});
            frame = UNENCODABLE;
        }
        return new Encoded(codec, frame);
    }

    private static Frame usable(Encoded encoded) {
        return encoded.frame() == UNENCODABLE ? null : encoded.frame();
    }
}
