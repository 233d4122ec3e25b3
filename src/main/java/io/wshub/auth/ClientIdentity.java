package io.wshub.auth;

/**
 * Who a connection acts as: user id, platform (null when unknown), permissions, and when its token expires (epoch
 * ms, 0 = never). A connection's identity changes only by an in-band login or token refresh.
 */
public record ClientIdentity(String userId, String platform, Permissions permissions, long expiresAt,
                             boolean authenticated) {

    private static final ClientIdentity NOBODY = new ClientIdentity("", null,
            Permissions.parse(java.util.List.of()), 0, false);

    public static ClientIdentity anonymous(String userId, String platform, Permissions permissions) {
        return new ClientIdentity(userId, platform, permissions, 0, false);
    }

    /** A connection refused before it could be identified: no user, no permission. */
    public static ClientIdentity nobody() {
        return NOBODY;
    }
}
