package io.wshub.auth;

import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.security.Principal;

/** Who a connection belongs to: the user id and platform taken from a validated token. */
public record Identity(String userId, String platform, JsonWebToken token) {

    /** Null when the principal is not a JWT or carries no usable user id claim. */
    public static Identity of(Principal principal, AuthConfig config) {
        if (!(principal instanceof JsonWebToken jwt)) {
            return null;
        }
        String userId = claim(jwt, config.userClaim());
        return userId == null || userId.isBlank() ? null : new Identity(userId, claim(jwt, config.platformClaim()), jwt);
    }

    /** Epoch ms of the token's {@code exp}, 0 when it has none. */
    public long expiresAt() {
        long exp = token.getExpirationTime();
        return exp > 0 ? exp * 1000 : 0;
    }

    /** True when the token has an {@code nbf} (not before) later than now plus the allowed clock skew. */
    public boolean notYetValid(long clockSkewSeconds) {
        Object nbf = token.getClaim("nbf");
        long notBefore = nbf instanceof Number number ? number.longValue()
                : nbf instanceof jakarta.json.JsonNumber number ? number.longValue() : Long.MIN_VALUE;
        return notBefore != Long.MIN_VALUE && notBefore > System.currentTimeMillis() / 1000 + clockSkewSeconds;
    }

    private static String claim(JsonWebToken jwt, String name) {
        Object value = jwt.getClaim(name);
        if (value instanceof JsonString string) {
            return string.getString();
        }
        return value == null ? null : value.toString();
    }
}
