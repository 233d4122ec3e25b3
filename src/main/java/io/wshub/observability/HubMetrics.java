package io.wshub.observability;

import io.wshub.cdi.Unproxied;
import io.wshub.cluster.RedisBus;
import io.wshub.cluster.RedisConnection;
import io.wshub.protocol.ErrorCode;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The hub's MicroProfile metrics. Counters are registered without their {@code _total} suffix because the
 * OpenMetrics output appends it: {@code wshub_connections} is scraped as {@code wshub_connections_total}.
 */
@ApplicationScoped
public class HubMetrics implements Unproxied<HubMetrics> {

    @Inject
    MetricRegistry registry;

    private Counter connectionsTotal;
    private Counter messagesSent;
    private Counter framesBatched;
    private Counter slowConsumers;
    private Counter redisFailures;
    private Counter historyAppends;
    private final ConcurrentHashMap<String, Counter> recoveries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> presenceEvents = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> received = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> protocolConnections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ErrorCode, Counter> errors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> limits = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> handlerTimers = new ConcurrentHashMap<>();

    @PostConstruct
    void register() {
        connectionsTotal = registry.counter(meta("wshub_connections", "WebSocket connections opened"));
        messagesSent = registry.counter(meta("wshub_messages_sent", "Frames written to clients"));
        framesBatched = registry.counter(meta("wshub_frames_batched", "Frames written to a client together with "
                + "others that had waited in its queue, in one socket write"));
        slowConsumers = registry.counter(meta("wshub_slow_consumer_disconnects",
                "Connections closed because their send queue overflowed"));
        redisFailures = registry.counter(meta("wshub_redis_failures",
                "Redis answers that are bugs (WRONGTYPE, a failing script, an unexpected reply); see the log"));
        historyAppends = registry.counter(meta("wshub_history_appends",
                "Messages appended to a room's history (repeated idempotency keys not counted)"));
    }

    /** A gauge read from its owner: each owner registers its own, so metrics depend on nobody. */
    public void gauge(String name, String description, Supplier<? extends Number> value) {
        registry.gauge(meta(name, description), value);
    }


    /** Redis answers that are bugs, counted for the Redis engines. */
    @Produces
    @ApplicationScoped
    RedisConnection.Failures redisFailures() {
        return (what, cause) -> redisFailures.inc();
    }

    /** The bus's counters: messages out and in, publish time, lag from publish to receipt, reconnections. */
    @Produces
    @ApplicationScoped
    RedisBus.BusMetrics busMetrics() {
        Counter published = registry.counter(meta("wshub_bus_messages_published", "Messages published to the bus"));
        Counter failed = registry.counter(meta("wshub_bus_publish_failures",
                "Messages not published because Redis was unreachable (delivered on this node only)"));
        Counter received = registry.counter(meta("wshub_bus_messages_received",
                "Messages received from other nodes through the bus"));
        Counter reconnects = registry.counter(meta("wshub_bus_reconnects", "Reconnections of the bus to Redis"));
        Timer publishTime = registry.timer(Metadata.builder().withName("wshub_bus_publish")
                .withDescription("Time to publish one message to Redis").withUnit(MetricUnits.NANOSECONDS).build());
        Timer lag = registry.timer(Metadata.builder().withName("wshub_bus_lag")
                .withDescription("From publish on another node to receipt here (clocks of both nodes)")
                .withUnit(MetricUnits.NANOSECONDS).build());
        return new RedisBus.BusMetrics() {
            @Override
            public void published(long nanos) {
                published.inc();
                publishTime.update(Duration.ofNanos(nanos));
            }

            @Override
            public void publishFailed() {
                failed.inc();
            }

            @Override
            public void received(long lagMillis) {
                received.inc();
                lag.update(Duration.ofMillis(Math.max(0, lagMillis)));
            }

            @Override
            public void reconnected() {
                reconnects.inc();
            }
        };
    }

    public void connectionOpened() {
        connectionsTotal.inc();
    }

    /** Counts an opened connection by its wire format ({@code gohub}, {@code jsonrpc}, {@code gows}, {@code sse}). */
    public void connectionOpened(String protocol) {
        protocolConnections.computeIfAbsent(protocol, p -> registry.counter(
                meta("wshub_protocol_connections", "Connections opened (WebSocket and SSE), by wire format"),
                new Tag("protocol", p))).inc();
    }

    /** {@code frames} frames went out in one write; more than one count as batched too. */
    public void messagesSent(int frames) {
        messagesSent.inc(frames);
        if (frames > 1) {
            framesBatched.inc(frames);
        }
    }

    public void slowConsumerDisconnected() {
        slowConsumers.inc();
    }

    /** Counts a received client message by type; "invalid" and "unknown" keep the tag set bounded. */
    public void messageReceived(String type) {
        received.computeIfAbsent(type, t -> registry.counter(
                meta("wshub_messages_received", "Client messages received, by type"), new Tag("type", t))).inc();
    }

    /** Counts a refusal by a configured limit (max-connections, max-connections-per-user, rate, ...). */
    public void limitReached(String limit) {
        limits.computeIfAbsent(limit, l -> registry.counter(
                meta("wshub_limit_rejections", "Requests or connections refused by a limit, by limit"),
                new Tag("limit", l))).inc();
    }

    public void error(ErrorCode code) {
        errors.computeIfAbsent(code, c -> registry.counter(
                meta("wshub_errors", "Error frames sent, by code"), new Tag("code", Integer.toString(c.code()))))
                .inc();
    }

    /** A presence event this node made: {@code member_joined}, {@code member_left}, {@code user_online}, ... */
    public void presenceEvent(String type) {
        presenceEvents.computeIfAbsent(type, t -> registry.counter(
                meta("wshub_presence_events", "Presence events made by this node, by type"), new Tag("type", t)))
                .inc();
    }

    public void historyAppended() {
        historyAppends.inc();
    }

    /** A join that asked to recover: {@code recovered} or {@code not_recovered} (epoch changed, history too short). */
    public void recovery(boolean recovered) {
        recoveries.computeIfAbsent(recovered ? "recovered" : "not_recovered", r -> registry.counter(
                meta("wshub_recoveries", "Joins that asked to recover missed messages, by result"),
                new Tag("result", r))).inc();
    }

    public void handlerTime(String type, long nanos) {
        handlerTimers.computeIfAbsent(type, t -> registry.timer(
                Metadata.builder().withName("wshub_handler").withDescription("Time spent in message handlers")
                        .withUnit(MetricUnits.NANOSECONDS).build(), new Tag("type", t)))
                .update(Duration.ofNanos(nanos));
    }

    private static Metadata meta(String name, String description) {
        return Metadata.builder().withName(name).withDescription(description).build();
    }
}
