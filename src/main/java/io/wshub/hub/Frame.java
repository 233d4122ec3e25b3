package io.wshub.hub;

import io.wshub.protocol.Json;

/**
 * One encoded text frame, ready for any number of connections of one wire format. It is checked once, when made,
 * to be well-formed UTF-16 (no unpaired surrogate): a frame that cannot be written as UTF-8 is never queued, because
 * the container would fail on it in the middle of a send.
 */
public final class Frame {

    private final String text;
    /** Where the frame leaves its receiver in a room with history; null for every other frame. */
    private final RoomPosition roomPosition;
    /** What the transport derives from the text once for all receivers (the framed bytes); set by the transport. */
    private volatile Object wire;

    private Frame(String text, RoomPosition roomPosition) {
        this.text = text;
        this.roomPosition = roomPosition;
    }

    /** The frame for {@code text}; {@link UnencodableException} if it holds an unpaired surrogate. */
    public static Frame of(String text) {
        return of(text, null);
    }

    /** The frame for {@code text}, a message of a room with history at {@code position} (null for none). */
    public static Frame of(String text, RoomPosition position) {
        int bad = Json.unpairedSurrogate(text);
        if (bad >= 0) {
            throw new UnencodableException("the message has an unpaired surrogate at character " + bad
                    + " and cannot be written as UTF-8");
        }
        return new Frame(text, position);
    }

    public String text() {
        return text;
    }

    /** Characters, for the send queue's bound. */
    public int length() {
        return text.length();
    }

    public RoomPosition roomPosition() {
        return roomPosition;
    }

    public Object wire() {
        return wire;
    }

    public void wire(Object value) {
        wire = value;
    }

    /** A message that cannot be sent: it is refused before it reaches any queue. */
    public static final class UnencodableException extends IllegalArgumentException {
        public UnencodableException(String message) {
            super(message);
        }
    }
}
