package io.wshub.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.room.RoomIds;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RoomIds#validate} refuses with 1001 and nothing else; an id it accepts is 1 to max characters without control
 * characters, and is valid Unicode (it is a key in Redis, which stores it as UTF-8, and it is sent back to clients).
 * <p>
 * The input is UTF-8: "maxLength\nroomId", where the id may hold JSON {@code \}{@code uXXXX} escapes, as ids arrive
 * in JSON; without a newline the whole input is the id and the maximum is 64; an empty input is a null id.
 */
class RoomIdsFuzzTest {

    @FuzzTest(maxDuration = "3m")
    @Timeout(10)
    void validate(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        int maxLength = 64;
        String roomId = text.isEmpty() ? null : text;
        int newline = text.indexOf('\n');
        if (newline >= 0) {
            try {
                maxLength = Integer.parseInt(text.substring(0, newline).trim());
            } catch (NumberFormatException e) {
                maxLength = newline;
            }
            roomId = unescape(text.substring(newline + 1));
        } else if (roomId != null) {
            roomId = unescape(roomId);
        }

        try {
            RoomIds.validate(roomId, maxLength);
        } catch (HubException e) {
            assertEquals(ErrorCode.INVALID_FORMAT, e.code());
            assertNotNull(e.getMessage());
            return;
        }
        assertNotNull(roomId);
        assertFalse(roomId.isEmpty());
        assertTrue(roomId.length() <= maxLength);
        for (int i = 0; i < roomId.length(); i++) {
            assertFalse(Character.isISOControl(roomId.charAt(i)), "accepted a control character");
        }
        assertEquals(roomId, new String(roomId.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                "accepted an id that does not survive UTF-8");
    }

    /** Resolves JSON's backslash-u escapes (four hex digits); anything else is taken as it is. */
    static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 6 <= text.length() && text.charAt(i + 1) == 'u') {
                int code = 0;
                for (int k = i + 2; k < i + 6 && code >= 0; k++) {
                    int digit = Character.digit(text.charAt(k), 16);
                    code = digit < 0 ? -1 : code << 4 | digit;
                }
                if (code >= 0) {
                    out.append((char) code);
                    i += 5;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
