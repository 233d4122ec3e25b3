package io.wshub.protocol;

/**
 * Error codes sent in {@code error} frames. The numbers are GoHub's, so existing GoHub clients keep working;
 * 1006, 1007, 3005, 4003 and 4004 are ours.
 */
public enum ErrorCode {
    UNKNOWN(1000),
    INVALID_FORMAT(1001),
    INVALID_MESSAGE_ID(1002),
    SERVER_ERROR(1003),
    TIMEOUT(1004),
    RATE_LIMITED(1005),
    UNKNOWN_MESSAGE_TYPE(1006),
    /** Redis, which cluster-wide operations need, cannot be reached; local traffic goes on. */
    CLUSTER_UNAVAILABLE(1007),

    UNAUTHORIZED(2000),
    FORBIDDEN(2001),
    TOKEN_EXPIRED(2002),
    INVALID_TOKEN(2003),

    ROOM_NOT_FOUND(3000),
    ROOM_ALREADY_EXISTS(3001),
    ROOM_FULL(3002),
    NOT_IN_ROOM(3003),
    ALREADY_IN_ROOM(3004),
    TOO_MANY_ROOMS(3005),

    CLIENT_NOT_FOUND(4000),
    CLIENT_OFFLINE(4001),
    MESSAGE_TOO_LARGE(4002),
    TOO_MANY_CONNECTIONS(4003),
    /** An acknowledged direct message that nobody acknowledged after its retries. */
    NOT_ACKNOWLEDGED(4004);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
