package io.wshub.protocol;

/** A failure a client is told about in an {@code error} frame; handlers throw it to refuse a request. */
public class HubException extends RuntimeException {

    private final ErrorCode code;

    public HubException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
