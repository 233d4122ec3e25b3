package io.wshub.auth;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;

import java.util.Set;

/** The client platforms bingo clients name: web, ios, android, h5, miniapp, desktop. */
public final class Platforms {

    public static final Set<String> KNOWN = Set.of("web", "ios", "android", "h5", "miniapp", "desktop");

    private Platforms() {
    }

    /** Null stays null (unknown platform); anything else must be a known platform, or 1001. */
    public static String check(String platform) {
        if (platform == null || KNOWN.contains(platform)) {
            return platform;
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "platform must be one of " + KNOWN.stream().sorted().toList());
    }
}
