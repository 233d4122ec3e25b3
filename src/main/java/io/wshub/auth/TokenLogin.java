package io.wshub.auth;

import io.wshub.hub.ClientIdentity;
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

    /** The identity the token proves, with its permissions and expiry; 2003 if the token is not valid. */
    public ClientIdentity identity(String token, String platform) {
        Identity identity = tokens.validate(token).map(principal -> Identity.of(principal, config)).orElse(null);
        if (identity == null || identity.notYetValid(config.clockSkewSeconds())) {
            throw new HubException(ErrorCode.INVALID_TOKEN, "the token is not valid");
        }
        return identities.of(identity, platform);
    }
}
