package io.wshub.auth;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a connection may do: permission strings {@code action:resource-pattern} with {@code *} wildcards in either
 * part, e.g. {@code join:room-*}, {@code publish:lobby}, {@code direct:*}, {@code *:*}.
 */
public final class Permissions {

    public static final Permissions ALL = parse(List.of("*:*"));

    private final List<String> granted;
    private final List<Pattern> patterns;

    private Permissions(List<String> granted) {
        this.granted = List.copyOf(granted);
        this.patterns = this.granted.stream().map(Permissions::toPattern).toList();
    }

    /** Blank entries are ignored; an entry without ':' grants the action on every resource. */
    public static Permissions parse(Collection<String> permissions) {
        return new Permissions(permissions.stream().map(String::trim).filter(p -> !p.isEmpty())
                .map(p -> p.contains(":") ? p : p + ":*").toList());
    }

    public boolean allows(String action, String resource) {
        String wanted = action + ":" + resource;
        for (Pattern pattern : patterns) {
            if (pattern.matcher(wanted).matches()) {
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

    private static Pattern toPattern(String permission) {
        StringBuilder regex = new StringBuilder();
        for (String part : permission.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    @Override
    public String toString() {
        return granted.toString();
    }
}
