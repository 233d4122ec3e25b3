package io.wshub.auth;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * What a connection may do: permission strings {@code action:resource-pattern} with {@code *} wildcards in either
 * part, e.g. {@code join:room-*}, {@code publish:lobby}, {@code direct:*}, {@code *:*}. A {@code *} matches any run of
 * characters, ':' included; nothing else is special.
 */
public final class Permissions {

    public static final Permissions ALL = parse(List.of("*:*"));

    private final List<String> granted;
    private final List<Wildcard> patterns;

    private Permissions(List<String> granted) {
        this.granted = List.copyOf(granted);
        this.patterns = this.granted.stream().map(Wildcard::new).toList();
    }

    /** Blank (and null) entries are ignored; an entry without ':' grants the action on every resource. */
    public static Permissions parse(Collection<String> permissions) {
        return new Permissions(permissions.stream().filter(Objects::nonNull).map(String::trim)
                .filter(p -> !p.isEmpty()).map(p -> p.contains(":") ? p : p + ":*").toList());
    }

    public boolean allows(String action, String resource) {
        String wanted = action + ":" + resource;
        for (Wildcard pattern : patterns) {
            if (pattern.matches(wanted)) {
                return true;
            }
        }
        return false;
    }

    /** Throws 2001 unless allowed. */
    public void require(String action, String resource) {
        if (!allows(action, resource)) {
            throw new HubException(ErrorCode.FORBIDDEN, "not allowed: " + action + ":" + resource);
        }
    }

    public List<String> granted() {
        return granted;
    }

    @Override
    public String toString() {
        return granted.toString();
    }

    /**
     * A {@code *} pattern matched without backtracking: the text must start with the part before the first star and
     * end with the part after the last; each part in between is taken at its leftmost place after the previous one
     * (leftmost is never worse, as stars absorb whatever lies between). A regex {@code .*a.*a.*...} instead tries
     * every split, which is exponential in the number of stars.
     */
    private static final class Wildcard {

        private final String[] parts;

        Wildcard(String pattern) {
            this.parts = pattern.split("\\*", -1);
        }

        boolean matches(String text) {
            if (parts.length == 1) {
                return text.equals(parts[0]);
            }
            String first = parts[0];
            String last = parts[parts.length - 1];
            if (text.length() < first.length() + last.length() || !text.startsWith(first) || !text.endsWith(last)) {
                return false;
            }
            int from = first.length();
            int end = text.length() - last.length();
            for (int i = 1; i < parts.length - 1; i++) {
                String part = parts[i];
                if (part.isEmpty()) {
                    continue;
                }
                int at = text.indexOf(part, from);
                if (at < 0 || at + part.length() > end) {
                    return false;
                }
                from = at + part.length();
            }
            return true;
        }
    }
}
