package io.wshub.protocol;

import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.spi.JsonProvider;

import java.io.StringReader;
import java.util.Map;

/**
 * Shared JSON machinery. JSON-P's static entry points look the provider up on every call (measured: several times
 * slower per message), so one provider, one reader factory and one {@link Jsonb} serve the whole application.
 */
public final class Json {

    public static final JsonProvider PROVIDER = JsonProvider.provider();
    private static final JsonReaderFactory READERS = PROVIDER.createReaderFactory(Map.of());

    private Json() {
    }

    /** The shared JSON-B instance, created on first use. */
    public static Jsonb jsonb() {
        return JsonbHolder.JSONB;
    }

    private static final class JsonbHolder {
        static final Jsonb JSONB = JsonbBuilder.create();
    }

    public static JsonObjectBuilder object() {
        return PROVIDER.createObjectBuilder();
    }

    /** Parses one JSON value; the caller handles {@link jakarta.json.JsonException}. */
    public static jakarta.json.JsonValue parse(String text) {
        try (JsonReader reader = READERS.createReader(new StringReader(text))) {
            return reader.readValue();
        }
    }

    /** Parses a client's frame; null when it is not JSON (or nested deeper than the parser allows). */
    public static jakarta.json.JsonValue parseOrNull(String text) {
        try {
            return parse(text);
        } catch (RuntimeException e) {
            // JsonException mostly, but Parsson refuses nesting deeper than 1000 with a bare RuntimeException
            return null;
        }
    }

    /** Serializes a handler's payload: a JSON-P value as it is, anything else through JSON-B. */
    public static String toJson(Object value) {
        if (value == null) {
            return "{}";
        }
        if (value instanceof jakarta.json.JsonValue json) {
            return json.toString();
        }
        if (value instanceof RawJson raw) {
            return raw.text();
        }
        return jsonb().toJson(value);
    }

    public static JsonObject emptyObject() {
        return jakarta.json.JsonValue.EMPTY_JSON_OBJECT;
    }

    /** Appends {@code value} as a JSON string literal. */
    public static StringBuilder quote(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /**
     * The index of the first unpaired surrogate in {@code text}, or -1. Such a string cannot be written as UTF-8
     * (a JSON escape like {@code \ud800} produces one).
     */
    public static int unpairedSurrogate(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == n || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return i;
                }
                i++;
            }
        }
        return -1;
    }

    /** The UTF-8 size of a string without encoding it. */
    public static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
