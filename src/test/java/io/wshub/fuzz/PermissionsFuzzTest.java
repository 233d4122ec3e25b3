package io.wshub.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wshub.auth.Permissions;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Permissions#parse} takes any strings; {@link Permissions#require} refuses with 2001 and nothing else; matching
 * agrees with a plain dynamic-programming wildcard matcher and stays fast on any pattern (a backtracking regex is
 * exponential in the number of '*').
 * <p>
 * The input is UTF-8 lines: the action, the resource, then one granted permission per line.
 */
class PermissionsFuzzTest {

    @FuzzTest(maxDuration = "3m")
    @Timeout(10)
    void allows(byte[] input) {
        String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
        String action = lines[0];
        String resource = lines.length > 1 ? lines[1] : "";
        List<String> entries = lines.length > 2 ? Arrays.asList(lines).subList(2, lines.length) : List.of();

        Permissions permissions = Permissions.parse(entries);
        List<String> expected = new ArrayList<>();
        for (String entry : entries) {
            String trimmed = entry.trim();
            if (!trimmed.isEmpty()) {
                expected.add(trimmed.contains(":") ? trimmed : trimmed + ":*");
            }
        }
        assertEquals(expected, permissions.granted());

        boolean allowed = permissions.allows(action, resource);
        String wanted = action + ":" + resource;
        assertEquals(expected.stream().anyMatch(pattern -> wildcardMatches(pattern, wanted)), allowed,
                () -> expected + " against " + wanted);
        try {
            permissions.require(action, resource);
            assertEquals(true, allowed, "require passed what allows refuses");
        } catch (HubException e) {
            assertEquals(ErrorCode.FORBIDDEN, e.code());
            assertEquals(false, allowed, "require refused what allows grants");
        }
    }

    /** The reference: '*' matches any run of characters (':' included), everything else itself; O(pattern × text). */
    static boolean wildcardMatches(String pattern, String text) {
        boolean[] previous = new boolean[text.length() + 1];
        boolean[] current = new boolean[text.length() + 1];
        previous[0] = true;
        for (int p = 0; p < pattern.length(); p++) {
            char c = pattern.charAt(p);
            current[0] = c == '*' && previous[0];
            for (int t = 1; t <= text.length(); t++) {
                current[t] = c == '*' ? previous[t] || current[t - 1] : previous[t - 1] && text.charAt(t - 1) == c;
            }
            boolean[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[text.length()];
    }
}
