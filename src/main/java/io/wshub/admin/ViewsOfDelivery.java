package io.wshub.admin;

/**
 * What the admin API returns for acknowledged and offline messages (JSON-B, snake_case, null fields left out); shared
 * with the typed client like {@link Views} (the client jar takes {@code Views*}, hence the name).
 */
public final class ViewsOfDelivery {

    private ViewsOfDelivery() {
    }

    /**
     * An acknowledged user message: 200 {@code {acked: true, client_id, ack_id, attempts}} once a connection
     * acknowledged it after {@code attempts} deliveries, or 202 {@code {stored: true, ack_id}} when it was stored for
     * an offline user (acknowledged when the user connects and receives it).
     */
    public record Acknowledgement(boolean acked, boolean stored, String clientId, String ackId, Integer attempts) {
    }

    /** A user message without acknowledgement stored for an offline user: 202 {@code {delivered: 0, stored: true}}. */
    public record Stored(int delivered, boolean stored) {
    }

    /** A user's stored messages: how many, and the time of the oldest (epoch ms; left out when there is none). */
    public record Offline(String userId, int count, Long oldestTimestamp) {
    }
}
