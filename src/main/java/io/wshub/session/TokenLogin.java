package io.wshub.session;

import io.wshub.auth.AuthConfig;
import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Identities;
import io.wshub.auth.Identity;
import io.wshub.auth.TokenValidator;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** What {@code login} and {@code refresh_token} share: a token sent in-band, checked like one on the upgrade. */
@ApplicationScoped
public class TokenLogin {

    @Inject
    TokenValidator tokens;
    @Inject
    AuthConfig config;
    @Inject
    Identities identities;

    /**
     * The identity the token proves, with its permissions and expiry; 2003 if the token is not valid or names a user
     * id of the anonymous namespace.
     */
    public ClientIdentity identity(String token, String platform) {
        Identity identity = tokens.validate(token).map(principal -> Identity.of(principal, config)).orElse(null);
        if (identity == null || identity.notYetValid(config.clockSkewSeconds())) {
            throw new HubException(ErrorCode.INVALID_TOKEN, "the token is not valid");
        }
        if (Identities.isGuestId(identity.userId())) {
            throw new HubException(ErrorCode.INVALID_TOKEN, "the token's user id is in the namespace of anonymous "
                    + "clients ('" + Identities.GUEST_PREFIX + "...')");
        }
        return identities.of(identity, platform);
    }
}
