package io.wshub.delivery;

import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Hub;
import io.wshub.hub.Messenger;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

import java.util.concurrent.CompletableFuture;

/**
 * Sends a message to a user on any node, optionally acknowledged, and stores it (with {@code wshub.offline.enabled})
 * when the user has no connection anywhere. Direct messages and the admin API's user messages both come here.
 */
@ApplicationScoped
public class Deliveries {

    @Inject
    Hub hub;
    @Inject
    Messenger messenger;
    @Inject
    ClusterCalls cluster;
    @Inject
    Acks acks;
    @Inject
    OfflineStore store;
    @Inject
    DeliveryConfig config;
    @Inject
    DeliveryMetrics metrics;

    /** What became of a message. */
    public sealed interface Outcome {
    }

    /**
     * Sent to {@code connections} connections; with an acknowledgement, {@code acked} completes when one of them
     * acknowledged and fails with 4004 when none did within the attempts (the sender was told either way).
     */
    public record Delivered(int connections, String ackId, CompletableFuture<Acks.Acked> acked) implements Outcome {
    }

    /** Stored for the user's next connection; {@code ackId} is null for a message without an acknowledgement. */
    public record Stored(String ackId) implements Outcome {
    }

    /**
     * Sends {@code type}/{@code data} to every connection of {@code userId} (of {@code platform} only, unless null).
     * With {@code ack}, the pushes carry {@code ack_id} and {@code ack_required: true} and are sent again until
     * acknowledged; {@code receipt} says who to tell. A user without a connection is 4001, or, with the offline store
     * on and no platform given, the message is stored.
     */
    public CompletableFuture<Outcome> toUser(String userId, String platform, String type, JsonObject data,
                                             AckPolicy ack, Receipt receipt) {
        String ackId = ack == null ? null : acks.newAckId();
        String dataJson = ack == null ? data.toString() : Json.PROVIDER.createObjectBuilder(data)
                .add("ack_id", ackId).add("ack_required", true).build().toString();
        Outbound message = hub.message(type, dataJson, null);
        Acks.Pending waiting = ack == null ? null : acks.expect(ackId, userId, platform, message, ack, receipt);
        return messenger.sendToUser(userId, platform, message).handle((sent, failure) -> {
            if (failure != null) {
                if (waiting != null) {
                    acks.forget(waiting);
                }
                return CompletableFuture.<Outcome>failedFuture(Messenger.unwrap(failure));
            }
            if (sent > 0) {
                if (waiting != null) {
                    acks.sent(waiting);
                }
                return CompletableFuture.<Outcome>completedFuture(
                        new Delivered(sent, ackId, waiting == null ? null : waiting.acked()));
            }
            if (waiting != null) {
                acks.forget(waiting);
            }
            if (!config.offlineEnabled() || platform != null) {
                return CompletableFuture.<Outcome>failedFuture(new HubException(ErrorCode.CLIENT_OFFLINE,
                        "user '" + userId + "' is not online" + (platform == null ? "" : " on " + platform)));
            }
            OfflineMessage stored = new OfflineMessage(type, dataJson, message.timestamp(), ackId,
                    ack == null ? null : receipt.toJson());
            return cluster.call(() -> store.store(userId, stored)).thenApply(dropped -> {
                metrics.offlineStored();
                metrics.offlineDropped(dropped);
                return (Outcome) new Stored(ackId);
            });
        }).thenCompose(outcome -> outcome);
    }
}
