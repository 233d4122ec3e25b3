package io.wshub.routing;

/** A handler's answer: the message type and its data (a JSON-P value, a record or bean for JSON-B, or a map). */
public record Reply(String type, Object data) {
}
