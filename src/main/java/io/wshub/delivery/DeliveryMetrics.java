package io.wshub.delivery;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Acknowledgements and offline messages. Counters are registered without {@code _total}, which the OpenMetrics output
 * appends (as {@link io.wshub.observability.HubMetrics} does): {@code wshub_acks} is scraped as
 * {@code wshub_acks_total{result=...}}.
 */
@ApplicationScoped
public class DeliveryMetrics {

    /** {@code result} of {@code wshub_acks_total}. */
    public enum AckResult {
        /** An acknowledgement ended a push's wait (a live one, or a stored one acknowledged later). */
        ACKED,
        /** A push that nobody acknowledged within its attempts (the sender got 4004, a backend 504). */
        TIMEOUT,
        /** An {@code ack} of an unknown, malformed or already acknowledged {@code ack_id}: ignored. */
        UNKNOWN
    }

    @Inject
    MetricRegistry registry;

    private final java.util.EnumMap<AckResult, Counter> acks = new java.util.EnumMap<>(AckResult.class);
    private Counter redeliveries;
    private Counter offlineStored;
    private Counter offlineDelivered;
    private Counter offlineDropped;

    @PostConstruct
    void register() {
        Metadata ackMeta = meta("wshub_acks", "Acknowledgements of pushes that asked for one, by result "
                + "(acked, timeout, unknown)");
        for (AckResult result : AckResult.values()) {
            acks.put(result, registry.counter(ackMeta, new Tag("result", result.name().toLowerCase())));
        }
        redeliveries = registry.counter(meta("wshub_redeliveries",
                "Pushes sent again because no acknowledgement came in time"));
        offlineStored = registry.counter(meta("wshub_offline_stored",
                "Messages stored for a user who had no connection"));
        offlineDelivered = registry.counter(meta("wshub_offline_delivered",
                "Stored messages written to a connection of their user"));
        offlineDropped = registry.counter(meta("wshub_offline_dropped",
                "Stored messages dropped, oldest first, because their user had wshub.offline.max-per-user"));
    }

    /** Registered at startup, so that a scrape shows them at 0 before the first acknowledgement. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        // the observer's instance is the bean itself: @PostConstruct has run
    }

    public void ack(AckResult result) {
        acks.get(result).inc();
    }

    public void redelivered() {
        redeliveries.inc();
    }

    public void offlineStored() {
        offlineStored.inc();
    }

    public void offlineDelivered(int count) {
        offlineDelivered.inc(count);
    }

    public void offlineDropped(int count) {
        if (count > 0) {
            offlineDropped.inc(count);
        }
    }

    private static Metadata meta(String name, String description) {
        return Metadata.builder().withName(name).withDescription(description).build();
    }
}
