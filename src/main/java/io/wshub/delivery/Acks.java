package io.wshub.delivery;

import jakarta.enterprise.context.ApplicationScoped;

/** Acknowledged delivery: pending acknowledgements of this node's senders, their retries and receipts. */
@ApplicationScoped
public class Acks {

    /** Connection {@code clientId} (of any node) acknowledged {@code ackId}, which this node waits for. */
    public void acknowledged(String ackId, String clientId) {
        // filled in by the acknowledged-delivery work
    }
}
