package io.wshub.limits;

import org.junit.jupiter.api.Test;

import static io.wshub.limits.RateLimiter.Verdict.ABUSIVE;
import static io.wshub.limits.RateLimiter.Verdict.ALLOWED;
import static io.wshub.limits.RateLimiter.Verdict.REFUSED;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void burstIsTwiceTheRateThenTheRateRefills() {
        RateLimiter limiter = new RateLimiter();
        for (int i = 0; i < 10; i++) {
            assertEquals(ALLOWED, limiter.take("echo", 5, 0), "burst message " + i);
        }
        assertEquals(REFUSED, limiter.take("echo", 5, 0));
        for (int i = 0; i < 5; i++) {
            assertEquals(ALLOWED, limiter.take("echo", 5, SECOND), "refilled message " + i);
        }
        assertEquals(REFUSED, limiter.take("echo", 5, SECOND));
        assertEquals(ALLOWED, limiter.take("echo", 5, SECOND + SECOND / 5), "one token per 200 ms at 5/s");
    }

    @Test
    void typesHaveTheirOwnBucketsAndZeroMeansUnlimited() {
        RateLimiter limiter = new RateLimiter();
        for (int i = 0; i < 2; i++) {
            limiter.take("room_message", 1, 0);
        }
        assertEquals(REFUSED, limiter.take("room_message", 1, 0));
        assertEquals(ALLOWED, limiter.take("ping", 1, 0));
        for (int i = 0; i < 1000; i++) {
            assertEquals(ALLOWED, limiter.take("echo", 0, 0));
        }
    }

    @Test
    void refusalsInARowBecomeAbusiveAndAnAllowedMessageResetsTheCount() {
        RateLimiter limiter = new RateLimiter();
        limiter.take("x", 1, 0);
        limiter.take("x", 1, 0);
        for (int i = 1; i < RateLimiter.ABUSE_THRESHOLD; i++) {
            assertEquals(REFUSED, limiter.take("x", 1, 0), "refusal " + i);
        }
        assertEquals(ABUSIVE, limiter.take("x", 1, 0));
        assertEquals(ALLOWED, limiter.take("x", 1, 10 * SECOND));
        assertEquals(ALLOWED, limiter.take("x", 1, 10 * SECOND));
        assertEquals(REFUSED, limiter.take("x", 1, 10 * SECOND), "the count starts again after an allowed message");
    }
}
