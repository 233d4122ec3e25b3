package io.wshub.hub;

/** CDI event: a client request ended in an error frame; {@code cause} is set when a handler threw unexpectedly. */
public record HandlerFailed(String clientId, String messageType, Long messageId, int errorCode, String message,
                            Throwable cause) {
}
