package io.wshub.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The {@code wshub.auth.*} settings; token verification itself is configured by the standard {@code mp.jwt.*} keys. */
@ApplicationScoped
public class AuthConfig {

    @Inject
    @ConfigProperty(name = "wshub.auth.required", defaultValue = "false")
    boolean required;

    @Inject
    @ConfigProperty(name = "wshub.auth.query-token", defaultValue = "false")
    boolean queryToken;

    @Inject
    @ConfigProperty(name = "wshub.auth.user-claim", defaultValue = "sub")
    String userClaim;

    @Inject
    @ConfigProperty(name = "wshub.auth.platform-claim", defaultValue = "platform")
    String platformClaim;

    @Inject
    @ConfigProperty(name = "wshub.auth.permissions-claim", defaultValue = "permissions")
    String permissionsClaim;

    @Inject
    @ConfigProperty(name = "wshub.auth.anonymous-permissions", defaultValue = "*:*")
    String anonymousPermissions;

    /** The MP-JWT clock skew, also applied to {@code nbf}, which Payara's verifier does not check. */
    @Inject
    @ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "60")
    long clockSkewSeconds;

    public long clockSkewSeconds() {
        return clockSkewSeconds;
    }

    @Inject
    @ConfigProperty(name = "wshub.auth.login-timeout", defaultValue = "0")
    long loginTimeoutSeconds;

    /**
     * With {@code wshub.auth.required}, a client may connect without a token and log in in-band within this many
     * seconds; 0 (default): a token is needed on the upgrade.
     */
    public long loginTimeoutSeconds() {
        return loginTimeoutSeconds;
    }

    /** false: anonymous clients may connect (GoHub's AllowAnonymous). */
    public boolean required() {
        return required;
    }

    /** Accept {@code ?token=} on the upgrade (off by default: URLs end up in access logs). */
    public boolean queryToken() {
        return queryToken;
    }

    public String userClaim() {
        return userClaim;
    }

    public String platformClaim() {
        return platformClaim;
    }

    public String permissionsClaim() {
        return permissionsClaim;
    }

    /** Comma or space separated permissions of clients without a token. */
    public String anonymousPermissions() {
        return anonymousPermissions;
    }
}
