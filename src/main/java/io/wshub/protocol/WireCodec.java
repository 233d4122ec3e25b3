package io.wshub.protocol;

/**
 * Turns text frames into {@link Inbound} values and {@link Outbound} values into text frames. A codec knows one wire
 * format and nothing about rooms, users or transport.
 */
public interface WireCodec {

    /** Never throws: a frame that cannot be understood becomes a malformed {@link Inbound}. */
    Inbound decode(String text);

    String encode(Outbound message);

    /** The payload of an error message: its data object as JSON. */
    String errorData(ErrorCode code, String message, Long requestId);
}
