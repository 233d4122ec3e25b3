package io.wshub.protocol;

import java.util.function.Consumer;

/**
 * Turns text frames into {@link Inbound} values and {@link Outbound} values into text frames. A codec knows one wire
 * format and nothing about rooms, users or transport.
 * <p>
 * A format whose request ids are not the hub's integers (JSON-RPC's string or number ids, go-ws's string ids) has a
 * codec per connection that hands the hub ids of its own and maps them back when it encodes the answer; such a codec
 * encodes pushes through {@link #shared()}, so that a message for many receivers is still encoded once per format.
 */
public interface WireCodec {

    /**
     * Decodes one text frame into the requests it holds, in order: one for most formats, several for a JSON-RPC batch.
     * Never throws: what cannot be understood becomes a malformed {@link Inbound}.
     */
    void decode(String text, Consumer<Inbound> requests);

    /**
     * The frame for {@code message}, or null when nothing is to be written for it now: the answer to a JSON-RPC
     * notification, or a part of a batch whose other answers are still to come.
     */
    String encode(Outbound message);

    /** The payload of an error message: its data object as JSON. */
    String errorData(ErrorCode code, String message, Long requestId);

    /** The codec every connection of this format shares, which encodes pushes (messages that answer no request). */
    default WireCodec shared() {
        return this;
    }

    /**
     * Whether every request is answered, also one whose handler replies nothing: the hub then answers it with
     * {@link ServerMessageTypes#DONE}, which this codec turns into its format's plain success.
     */
    default boolean answersEveryRequest() {
        return false;
    }
}
