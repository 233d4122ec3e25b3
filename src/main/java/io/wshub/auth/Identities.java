package io.wshub.auth;

import io.wshub.hub.ClientIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Turns a validated token, or its absence, into the identity a connection acts as. */
@ApplicationScoped
public class Identities {

    @Inject
    PermissionResolver permissions;

    /** The platform comes from the token's claim, else from what the client asked for; 1001 if unknown. */
    public ClientIdentity of(Identity identity, String requestedPlatform) {
        String platform = Platforms.check(identity.platform() != null ? identity.platform() : requestedPlatform);
        return new ClientIdentity(identity.userId(), platform, permissions.of(identity.token()), identity.expiresAt(),
                true);
    }

    public ClientIdentity anonymous(String userId, String requestedPlatform) {
        return ClientIdentity.anonymous(userId, Platforms.check(requestedPlatform), permissions.anonymous());
    }
}
