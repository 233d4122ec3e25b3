package io.wshub.limits;

import java.util.HashMap;
import java.util.Map;

/**
 * Token buckets of one connection, one per message type: {@code rate} tokens a second, a burst of twice the rate.
 * A connection that keeps sending while refused is abusive: after {@link #ABUSE_THRESHOLD} refusals in a row it is
 * closed. Not thread-safe, and needs no lock: a connection's requests are handled one at a time (its request queue
 * hands each over with a happens-before edge), and only they take tokens.
 */
public final class RateLimiter {

    public static final int ABUSE_THRESHOLD = 50;

    private final Map<String, double[]> buckets = new HashMap<>();
    private int refusedInARow;

    public enum Verdict { ALLOWED, REFUSED, ABUSIVE }

    /** Takes one token for the type; {@code rate <= 0} means unlimited. */
    public Verdict take(String type, double rate, long nowNanos) {
        if (rate <= 0) {
            refusedInARow = 0;
            return Verdict.ALLOWED;
        }
        double burst = 2 * rate;
        double[] bucket = buckets.computeIfAbsent(type, t -> new double[]{burst, nowNanos});
        bucket[0] = Math.min(burst, bucket[0] + (nowNanos - bucket[1]) / 1e9 * rate);
        bucket[1] = nowNanos;
        if (bucket[0] >= 1) {
            bucket[0] -= 1;
            refusedInARow = 0;
            return Verdict.ALLOWED;
        }
        return ++refusedInARow >= ABUSE_THRESHOLD ? Verdict.ABUSIVE : Verdict.REFUSED;
    }
}
