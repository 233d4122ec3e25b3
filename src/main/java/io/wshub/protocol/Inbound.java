package io.wshub.protocol;

import jakarta.json.JsonObject;

/**
 * One decoded client frame, independent of the wire format. A frame that could not be understood is still an
 * {@code Inbound}: it carries the error to answer with, and the message id when one could be read, so that the
 * client gets an error frame instead of silence.
 */
public record Inbound(Long messageId, String type, JsonObject data, ErrorCode error, String errorMessage,
                      int length) {

    public static Inbound valid(Long messageId, String type, JsonObject data, int length) {
        return new Inbound(messageId, type, data, null, null, length);
    }

    public static Inbound malformed(Long messageId, ErrorCode error, String errorMessage, int length) {
        return new Inbound(messageId, null, null, error, errorMessage, length);
    }

    public boolean isValid() {
        return error == null;
    }
}
