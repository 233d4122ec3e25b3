package io.wshub.auth;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Turns a validated token, or its absence, into the identity a connection acts as.
 * <p>
 * Anonymous and token identities live in separate namespaces: every anonymous user id starts with
 * {@value #GUEST_PREFIX} (random, or the {@code ?client_id=} the client chose, prefixed), and no token may name a
 * user id that does. So an anonymous client can never act as, receive the messages of, or replace the sessions of a
 * token user, whatever id it chooses and whichever connects first.
 */
@ApplicationScoped
public class Identities {

    public static final String GUEST_PREFIX = "guest-";
    private static final Pattern CHOSEN_ID = Pattern.compile("[A-Za-z0-9_.:@-]{1,128}");
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    PermissionResolver permissions;

    /** The platform comes from the token's claim, else from what the client asked for; 1001 if unknown. */
    public ClientIdentity of(Identity identity, String requestedPlatform) {
        String platform = Platforms.check(identity.platform() != null ? identity.platform() : requestedPlatform);
        return new ClientIdentity(identity.userId(), platform, permissions.of(identity.token()), identity.expiresAt(),
                true);
    }

    /**
     * An anonymous identity: {@code guest-} and the id the client chose ({@code ?client_id=}, when allowed), or
     * {@code guest-} and 12 random hex digits. 1001 when the chosen id or the platform is invalid.
     */
    public ClientIdentity anonymous(String chosenId, String requestedPlatform) {
        if (chosenId != null && !isValidChosenId(chosenId)) {
            throw new HubException(ErrorCode.INVALID_FORMAT,
                    "client_id must be 1-128 characters of A-Z a-z 0-9 _ . : @ -");
        }
        String platform = Platforms.check(requestedPlatform);
        return ClientIdentity.anonymous(chosenId == null ? newGuestId() : GUEST_PREFIX + chosenId, platform,
                permissions.anonymous());
    }

    /** 1-128 characters of A-Z a-z 0-9 _ . : @ - */
    public static boolean isValidChosenId(String chosenId) {
        return CHOSEN_ID.matcher(chosenId).matches();
    }

    /** True for user ids of the anonymous namespace, which no token may claim. */
    public static boolean isGuestId(String userId) {
        return userId.startsWith(GUEST_PREFIX);
    }

    /** {@code guest-} and 12 random hex digits. */
    public static String newGuestId() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return GUEST_PREFIX + HexFormat.of().formatHex(bytes);
    }
}
