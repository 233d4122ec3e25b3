package io.wshub.delivery;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Envelope;
import io.wshub.delivery.DeliveryMetrics.AckResult;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Connection;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import io.wshub.hub.Messenger;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonObject;
import jakarta.inject.Inject;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Acknowledged delivery: the pending acknowledgements of this node's senders, their retries and receipts.
 * <p>
 * An {@code ack_id} is {@code <nodeId>.<random>} (20 url-safe base64 characters after the last dot): the node that
 * waits for it is in the id, so whichever node a client acknowledges on routes the acknowledgement there (the ACK
 * envelope), and a pending acknowledgement lives, with its retry timer, on its sender's node only: a node that dies
 * takes only its own senders' waits with it. The ACK envelope carries the acknowledging user, so that only a
 * connection of the push's user ends its wait, and for a stored message the receipt it was stored with. The first
 * acknowledgement wins; later ones, and ones for ids nobody waits for, are ignored and counted
 * ({@code wshub_acks_total{result="unknown"}}).
 */
@ApplicationScoped
public class Acks {

    private static final Logger LOG = Logger.getLogger(Acks.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String NOT_ACKNOWLEDGED = "not acknowledged";

    @Inject
    Hub hub;
    @Inject
    HubConfig hubConfig;
    @Inject
    Messenger messenger;
    @Inject
    Bus bus;
    @Inject
    ClusterCalls cluster;
    @Inject
    HubScheduler scheduler;
    @Inject
    DeliveryConfig config;
    @Inject
    DeliveryMetrics metrics;
    @Inject
    OfflineStore store;
    @Inject
    OfflineReplay replay;

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

    /** What an acknowledgement tells a backend: who acknowledged, and after how many deliveries. */
    public record Acked(String clientId, String ackId, int attempts) {
    }

    /** A push this node waits for the acknowledgement of. */
    public static final class Pending {
        final String ackId;
        final String userId;
        final String platform;
        final String type;
        final String dataJson;
        final AckPolicy policy;
        final Receipt receipt;
        final CompletableFuture<Acked> acked = new CompletableFuture<>();
        private int attempts = 1;
        private ScheduledFuture<?> timer;
        private String redeliveredJson;

        Pending(String ackId, String userId, String platform, String type, String dataJson, AckPolicy policy,
                Receipt receipt) {
            this.ackId = ackId;
            this.userId = userId;
            this.platform = platform;
            this.type = type;
            this.dataJson = dataJson;
            this.policy = policy;
            this.receipt = receipt;
        }

        /** Completes when acknowledged; fails with 4004 when nobody acknowledged it. */
        public CompletableFuture<Acked> acked() {
            return acked;
        }

        synchronized int attempts() {
            return attempts;
        }

        synchronized void timer(ScheduledFuture<?> timer) {
            this.timer = timer;
        }

        synchronized void cancel() {
            if (timer != null) {
                timer.cancel(false);
            }
        }

        /** The data of a redelivery: the same, marked {@code redelivered}. */
        synchronized String redelivered() {
            if (redeliveredJson == null) {
                redeliveredJson = Json.PROVIDER.createObjectBuilder(Json.parse(dataJson).asJsonObject())
                        .add("redelivered", true).build().toString();
            }
            attempts++;
            return redeliveredJson;
        }
    }

    /** A new id, unique in the cluster, that names this node as the one to tell. */
    public String newAckId() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return hubConfig.nodeId() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The node an ack id names; null for text that is not an ack id. */
    static String nodeOf(String ackId) {
        int dot = ackId.lastIndexOf('.');
        return dot <= 0 || dot == ackId.length() - 1 ? null : ackId.substring(0, dot);
    }

    /** The sender's wishes (null for the defaults), capped by the maximums. */
    public AckPolicy policy(Long timeoutMillis, Integer retries) {
        long timeout = timeoutMillis == null ? config.ackTimeoutMillis()
                : Math.min(timeoutMillis, config.ackMaxTimeoutMillis());
        int tries = retries == null ? config.ackRetries() : Math.min(retries, config.ackMaxRetries());
        return new AckPolicy(Math.max(0, timeout), Math.max(0, tries));
    }

    /** Starts waiting for {@code ackId}, before the first delivery, so that no acknowledgement can come too early. */
    public Pending expect(String ackId, String userId, String platform, Outbound message, AckPolicy policy,
                          Receipt receipt) {
        Pending waiting = new Pending(ackId, userId, platform, message.type(), message.dataJson(), policy, receipt);
        pending.put(ackId, waiting);
        return waiting;
    }

    /** The first delivery went out: its timeout starts. */
    public void sent(Pending waiting) {
        schedule(waiting);
    }

    /** The push was not delivered (stored, or failed): nothing to wait for. */
    public void forget(Pending waiting) {
        pending.remove(waiting.ackId, waiting);
        waiting.cancel();
    }

    private void schedule(Pending waiting) {
        if (pending.get(waiting.ackId) != waiting) {
            return; // acknowledged already
        }
        try {
            waiting.timer(scheduler.executor().schedule(() -> expired(waiting), waiting.policy.timeoutMillis(),
                    TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException shuttingDown) {
            LOG.log(Level.FINE, "not waiting for {0}: the node stops", waiting.ackId);
        }
        if (pending.get(waiting.ackId) != waiting) {
            waiting.cancel(); // acknowledged while the timer was set
        }
    }

    /** On the timer: deliver again, or give up after the last attempt. */
    private void expired(Pending waiting) {
        if (pending.get(waiting.ackId) != waiting) {
            return;
        }
        if (waiting.attempts() >= waiting.policy.attempts()) {
            if (pending.remove(waiting.ackId, waiting)) {
                timedOut(waiting);
            }
            return;
        }
        String data = waiting.redelivered();
        metrics.redelivered();
        messenger.sendToUser(waiting.userId, waiting.platform, hub.message(waiting.type, data, null))
                .whenComplete((sent, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.FINE, "redelivering {0} failed: {1}", new Object[]{waiting.ackId, failure});
                    }
                });
        schedule(waiting);
    }

    private void timedOut(Pending waiting) {
        metrics.ack(AckResult.TIMEOUT);
        Receipt receipt = waiting.receipt;
        if (receipt != null && receipt.clientId() != null) {
            hub.connection(receipt.clientId()).ifPresent(sender -> hub.sendError(sender, ErrorCode.NOT_ACKNOWLEDGED,
                    NOT_ACKNOWLEDGED, receipt.requestId()));
        }
        waiting.acked.completeExceptionally(new HubException(ErrorCode.NOT_ACKNOWLEDGED, NOT_ACKNOWLEDGED
                + ": no connection of user '" + waiting.userId + "' acknowledged " + waiting.ackId + " after "
                + waiting.attempts() + " attempt(s)"));
    }

    /**
     * A connection of this node acknowledged {@code ackId}. A stored message written to it is removed from the store
     * first (the one removal that succeeds tells the sender); any other acknowledgement goes to the node the id names.
     */
    public void clientAcked(Connection client, String ackId) {
        OfflineMessage stored = replay.claim(client.id(), ackId);
        if (stored == null) {
            route(ackId, client, null);
            return;
        }
        cluster.call(() -> store.remove(client.userId(), stored)).whenComplete((removed, failure) -> {
            if (failure != null) {
                LOG.log(Level.FINE, "removing acknowledged {0} failed: {1}", new Object[]{ackId, failure});
                route(ackId, client, null); // a live wait, if any, still ends
            } else if (removed) {
                route(ackId, client, stored.receipt() == null ? "{}" : stored.receipt());
            } else {
                metrics.ack(AckResult.UNKNOWN); // another connection acknowledged it first
            }
        });
    }

    private void route(String ackId, Connection client, String receiptJson) {
        String node = nodeOf(ackId);
        if (node == null) {
            metrics.ack(AckResult.UNKNOWN);
            return;
        }
        var acknowledgement = Json.object().add("user_id", client.userId());
        if (receiptJson != null) {
            acknowledgement.add("receipt", receiptJson);
        }
        String data = acknowledgement.build().toString();
        if (node.equals(hubConfig.nodeId())) {
            acknowledged(ackId, client.id(), data);
            return;
        }
        try {
            bus.publishToNode(node, new Envelope(Envelope.Kind.ACK, hubConfig.nodeId(), ackId, client.id(), null,
                    null, data, System.currentTimeMillis(), 0, null, 0, null, 0));
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "acknowledgement of {0} not sent: {1}", new Object[]{ackId, e});
        }
    }

    /**
     * Connection {@code clientId} (of any node) acknowledged {@code ackId}, which this node sent. {@code data} is the
     * ACK envelope's: {@code {user_id, receipt?}}, the acknowledging user and, for a stored message (for which this
     * node keeps nothing), the receipt it was stored with. Only a connection of the push's user ends a live wait.
     */
    public void acknowledged(String ackId, String clientId, String data) {
        String userId = null;
        String receiptJson = null;
        try {
            JsonObject acknowledgement = Json.parse(data).asJsonObject();
            userId = acknowledgement.getString("user_id", null);
            receiptJson = acknowledgement.getString("receipt", null);
        } catch (RuntimeException malformed) {
            LOG.log(Level.FINE, "malformed acknowledgement of {0}: {1}", new Object[]{ackId, malformed});
        }
        Pending waiting = pending.get(ackId);
        if (waiting != null && waiting.userId.equals(userId) && pending.remove(ackId, waiting)) {
            waiting.cancel();
            metrics.ack(AckResult.ACKED);
            tellSender(waiting.receipt, clientId, ackId);
            waiting.acked.complete(new Acked(clientId, ackId, waiting.attempts()));
        } else if (waiting == null && receiptJson != null) {
            metrics.ack(AckResult.ACKED);
            tellSender(Receipt.fromJson(receiptJson), clientId, ackId);
        } else {
            metrics.ack(AckResult.UNKNOWN);
        }
    }

    private void tellSender(Receipt receipt, String clientId, String ackId) {
        if (receipt == null || receipt.clientId() == null) {
            return;
        }
        hub.connection(receipt.clientId()).ifPresent(sender -> sender.send(hub.message("direct_acked",
                Json.object().add("target_id", receipt.targetId()).add("client_id", clientId).add("ack_id", ackId)
                        .build().toString(), receipt.requestId())));
    }

    /** Acknowledgements this node waits for. */
    public int pendingCount() {
        return pending.size();
    }
}
