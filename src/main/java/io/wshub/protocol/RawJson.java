package io.wshub.protocol;

/** A payload already serialized as JSON: written as it is, never parsed again (a history reply, say). */
public record RawJson(String text) {
}
