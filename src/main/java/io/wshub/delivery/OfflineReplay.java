package io.wshub.delivery;

import io.wshub.hub.ClientConnected;
import io.wshub.hub.ClientLoggedIn;
import io.wshub.hub.ClientDisconnected;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Connection;
import io.wshub.hub.Hub;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Replays a user's stored messages to each new connection of the user, on any node, right after its
 * {@code connected}: in order, each marked {@code offline: true} with its original {@code timestamp}. Remembers, per
 * connection of this node, the acknowledged ones written to it, so that its {@code ack} removes them from the store.
 */
@ApplicationScoped
public class OfflineReplay {

    private static final Logger LOG = Logger.getLogger(OfflineReplay.class.getName());

    @Inject
    Hub hub;
    @Inject
    ClusterCalls cluster;
    @Inject
    OfflineStore store;
    @Inject
    DeliveryConfig config;
    @Inject
    DeliveryMetrics metrics;

    /** Client id to the stored messages with an acknowledgement written to it, by ack id; until acked or gone. */
    private final ConcurrentHashMap<String, Map<String, OfflineMessage>> written = new ConcurrentHashMap<>();

    void connected(@Observes ClientConnected event) {
        replayTo(event.clientId(), event.userId());
    }

    /** A connection that became a user by an in-band login gets that user's stored messages, after logged_in. */
    void loggedIn(@Observes ClientLoggedIn event) {
        replayTo(event.clientId(), event.userId());
    }

    private void replayTo(String clientId, String userId) {
        if (!config.offlineEnabled()) {
            return;
        }
        cluster.call(() -> store.take(userId, System.currentTimeMillis()))
                .whenComplete((messages, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.WARNING, "reading the offline messages of ''{0}'' failed: {1}",
                                new Object[]{userId, failure.toString()});
                    } else if (!messages.isEmpty()) {
                        replay(clientId, userId, messages);
                    }
                });
    }

    void disconnected(@Observes ClientDisconnected event) {
        written.remove(event.clientId());
    }

    private void replay(String clientId, String userId, List<OfflineMessage> messages) {
        Connection connection = hub.connection(clientId).orElse(null);
        int count = connection == null ? 0 : write(connection, messages, this::frame);
        metrics.offlineDelivered(count);
        if (connection == null || !connection.isOpen()) {
            written.remove(clientId); // gone meanwhile: its disconnect may have come first
        }
        // the unwritten ones without an acknowledgement left the store with the take: they go back
        List<OfflineMessage> back = new ArrayList<>();
        for (OfflineMessage message : messages.subList(count, messages.size())) {
            if (!message.acknowledged()) {
                back.add(message);
            }
        }
        if (!back.isEmpty()) {
            cluster.run("putting back offline messages of '" + userId + "'",
                    () -> store.putBack(userId, back));
        }
    }

    /**
     * Sends {@code messages} to {@code connection} in order until one is refused; returns how many were sent. An
     * acknowledged one is remembered before it is sent: the send may write it to the socket at once, and its client's
     * {@code ack} can arrive, on another thread, before {@code send} returns.
     */
    int write(Connection connection, List<OfflineMessage> messages, Function<OfflineMessage, Outbound> frames) {
        int count = 0;
        for (OfflineMessage message : messages) {
            Map<String, OfflineMessage> remembered = message.acknowledged()
                    ? written.computeIfAbsent(connection.id(), id -> new ConcurrentHashMap<>()) : null;
            if (remembered != null) {
                remembered.put(message.ackId(), message);
            }
            if (!connection.send(frames.apply(message))) {
                if (remembered != null) {
                    remembered.remove(message.ackId(), message);
                }
                break;
            }
            count++;
        }
        return count;
    }

    /** The server message a stored one is replayed as: its data marked offline, with its original time. */
    private Outbound frame(OfflineMessage message) {
        String data = Json.PROVIDER.createObjectBuilder(Json.parse(message.dataJson()).asJsonObject())
                .add("offline", true).add("timestamp", message.timestamp()).build().toString();
        return hub.relayed(message.type(), data, message.timestamp());
    }

    /** The stored message {@code ackId} written to connection {@code clientId}, forgotten; null if none. */
    OfflineMessage claim(String clientId, String ackId) {
        Map<String, OfflineMessage> messages = written.get(clientId);
        return messages == null ? null : messages.remove(ackId);
    }
}
