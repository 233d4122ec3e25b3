package io.wshub.protocol;

import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * What every codec checks of a client frame before trusting it: its UTF-8 size (for the size limit) and whether a
 * string in it holds an unpaired surrogate, which could never be sent on as UTF-8.
 */
public final class FrameScan {

    public static final String UNPAIRED_SURROGATE = "frame contains an unpaired surrogate (not encodable as UTF-8)";

    private FrameScan() {
    }

    /** The UTF-8 size of a {@link #scan} result. */
    public static int length(long scanned) {
        return (int) (scanned >>> 1);
    }

    /** Whether a {@link #scan} result says the parsed frame must be checked with {@link #holdsUnpairedSurrogate}. */
    public static boolean mayHoldUnpairedSurrogate(long scanned) {
        return (scanned & 1) != 0;
    }

    /**
     * One pass over the frame: its UTF-8 size (for the size limit) shifted left by one, and in the low bit whether
     * its parsed strings could hold an unpaired surrogate: only a backslash-u escape or an unpaired surrogate of the
     * text itself can put one there, and most frames have neither.
     */
    public static long scan(String text) {
        long bytes = 0;
        boolean suspicious = false;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
                if (c == '\\' && i + 1 < n) {
                    char escaped = text.charAt(i + 1);
                    suspicious |= escaped == 'u';
                    bytes++;
                    i++; // the escaped character, which may be a backslash
                }
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                suspicious |= Character.isSurrogate(c);
                bytes += 3;
            }
        }
        return bytes << 1 | (suspicious ? 1 : 0);
    }

    /** Whether any string in the value, object keys included, holds an unpaired surrogate. */
    public static boolean holdsUnpairedSurrogate(JsonValue value) {
        ArrayDeque<JsonValue> pending = new ArrayDeque<>();
        pending.push(value);
        while (!pending.isEmpty()) {
            JsonValue next = pending.pop();
            switch (next.getValueType()) {
                case STRING -> {
                    if (hasUnpairedSurrogate(((JsonString) next).getString())) {
                        return true;
                    }
                }
                case OBJECT -> {
                    for (Map.Entry<String, JsonValue> member : next.asJsonObject().entrySet()) {
                        if (hasUnpairedSurrogate(member.getKey())) {
                            return true;
                        }
                        pending.push(member.getValue());
                    }
                }
                case ARRAY -> next.asJsonArray().forEach(pending::push);
                default -> {
                }
            }
        }
        return false;
    }

    private static boolean hasUnpairedSurrogate(String text) {
        return Json.unpairedSurrogate(text) >= 0;
    }

}
