package io.wshub.protocol;

/**
 * One server message, independent of the wire format: its id, type, payload (already serialized JSON, so that a
 * message for many receivers is serialized once), creation time and the id of the request it answers, if any.
 */
public record Outbound(long messageId, String type, String dataJson, long timestamp, Long requestId) {
}
