package io.wshub.delivery;

/**
 * How a push waits for its acknowledgement: {@code timeoutMillis} per attempt, sent again up to {@code retries}
 * times (attempts = 1 + retries), both already capped by {@code wshub.ack.max-timeout} and {@code max-retries}.
 */
public record AckPolicy(long timeoutMillis, int retries) {

    public int attempts() {
        return 1 + retries;
    }
}
