package io.wshub.hub;

import io.wshub.cdi.Unproxied;
import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Presence;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Envelope;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Reaches users, connections and everyone on any node: this node's connections directly, the others' through the
 * {@link Bus} to their node, found in the {@link Directory}. Lookups run as cluster calls, so the methods that need
 * one answer later ({@link CompletableFuture}); what this node can do alone it does at once.
 */
@ApplicationScoped
public class Messenger implements Unproxied<Messenger> {

    private static final Logger LOG = Logger.getLogger(Messenger.class.getName());

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    Directory directory;
    @Inject
    Presence presence;
    @Inject
    Bus bus;
    @Inject
    ClusterCalls cluster;

    /** A user's connections on all nodes; only this node's while Redis is away. */
    public CompletableFuture<List<ClientRecord>> connectionsOfUser(String userId) {
        return cluster.call(() -> directory.clientsOfUser(userId)).exceptionally(failure -> {
            if (unwrap(failure) instanceof ClusterUnavailableException) {
                return hub.connectionsOf(userId).stream().map(this::record).toList();
            }
            throw new CompletionException(unwrap(failure));
        });
    }

    /**
     * Sends to every connection of a user (on {@code platform} only, unless null), on any node. Completes with how
     * many connections it was sent to: queued here, or handed to their nodes.
     */
    public CompletableFuture<Integer> sendToUser(String userId, String platform, Outbound message) {
        return cluster.call(() -> directory.clientsOfUser(userId)).handle((targets, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                if (!(cause instanceof ClusterUnavailableException) || hub.connectionsOf(userId).isEmpty()) {
                    throw new CompletionException(cause);
                }
                targets = List.of(); // this node's connections still get it
            }
            int sent = hub.deliverToUser(userId, platform, message);
            Map<String, Long> elsewhere = targets.stream()
                    .filter(t -> !t.nodeId().equals(config.nodeId())
                            && (platform == null || platform.equals(t.platform())))
                    .collect(Collectors.groupingBy(ClientRecord::nodeId, Collectors.counting()));
            for (Map.Entry<String, Long> node : elsewhere.entrySet()) {
                sent += node.getValue().intValue();
                publishQuietly(() -> bus.publishToNode(node.getKey(), Envelope.message(Envelope.Kind.USER_MESSAGE,
                        config.nodeId(), userId, platform, message.type(), message.dataJson(),
                        message.timestamp())));
            }
            return sent;
        });
    }

    /** Sends to one connection of any node; fails with 4000 when there is no such connection. */
    public CompletableFuture<Void> sendToClient(String clientId, Outbound message) {
        var local = hub.connection(clientId);
        if (local.isPresent()) {
            local.get().send(message);
            return CompletableFuture.completedFuture(null);
        }
        return remoteClient(clientId).thenAccept(client -> bus.publishToNode(client.nodeId(),
                Envelope.message(Envelope.Kind.CLIENT_MESSAGE, config.nodeId(), clientId, null, message.type(),
                        message.dataJson(), message.timestamp())));
    }

    /**
     * Sends to every connection of the cluster: the others' through one bus message, published first (the publish
     * only queues it) so that the other nodes fan out while this one does, then this node's. Completes with how many
     * connections it reached: this node's, plus the others' the directory counts.
     */
    public CompletableFuture<Integer> broadcast(Outbound message) {
        boolean published = true;
        try {
            bus.publishToAll(Envelope.message(Envelope.Kind.BROADCAST, config.nodeId(), null, null, message.type(),
                    message.dataJson(), message.timestamp()));
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "broadcast reached this node only: {0}", e);
            published = false;
        }
        int local = hub.deliverToAll(message);
        if (!published) {
            return CompletableFuture.completedFuture(local);
        }
        return cluster.call(() -> presence.totals().clients())
                .thenApply(everywhere -> local + (int) Math.max(0, everywhere - hub.connectionCount()))
                .exceptionally(failure -> local);
    }

    /** Closes a connection of any node; fails with 4000 when there is no such connection. */
    public CompletableFuture<Void> kickClient(String clientId, int code, String reason) {
        var local = hub.connection(clientId);
        if (local.isPresent()) {
            local.get().close(code, reason);
            return CompletableFuture.completedFuture(null);
        }
        return remoteClient(clientId).thenAccept(client -> kick(client, code, reason, null));
    }

    /** Closes every connection of a user, on every node; fails with 4001 when the user has none. */
    public CompletableFuture<Void> kickUser(String userId, int code, String reason) {
        return cluster.call(() -> directory.clientsOfUser(userId)).thenAccept(targets -> {
            if (targets.isEmpty()) {
                throw new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + userId + "' is not online");
            }
            hub.closeUser(userId, code, reason);
            targets.stream().map(ClientRecord::nodeId).filter(node -> !node.equals(config.nodeId())).distinct()
                    .forEach(node -> bus.publishToNode(node, Envelope.control(Envelope.Kind.KICK_USER,
                            config.nodeId(), userId, null, code, reason)));
        });
    }

    /** Closes a connection wherever it is; with a {@code notice}, the connection reads it first. */
    public void kick(ClientRecord client, int code, String reason, Outbound notice) {
        if (client.nodeId().equals(config.nodeId())) {
            hub.connection(client.clientId()).ifPresent(connection -> hub.close(connection, code, reason, notice));
            return;
        }
        publishQuietly(() -> bus.publishToNode(client.nodeId(), new Envelope(Envelope.Kind.KICK_CLIENT,
                config.nodeId(), client.clientId(), null, null, notice == null ? null : notice.type(),
                notice == null ? null : notice.dataJson(), notice == null ? 0 : notice.timestamp(), code, reason, 0, null,
                0)));
    }

    /** A connection of another node, from the directory; fails with 4000 when there is none. */
    public CompletableFuture<ClientRecord> remoteClient(String clientId) {
        return cluster.call(() -> directory.client(clientId)
                .filter(client -> !client.nodeId().equals(config.nodeId()))
                .orElseThrow(() -> new HubException(ErrorCode.CLIENT_NOT_FOUND, "no client '" + clientId + "'")));
    }

    private ClientRecord record(Connection connection) {
        return new ClientRecord(connection.id(), connection.userId(), connection.identity().platform(),
                connection.identity().authenticated(), config.nodeId(), connection.connectedAt());
    }

    private static void publishQuietly(Runnable publish) {
        try {
            publish.run();
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "not sent to another node: {0}", e);
        }
    }

    /** The cause of a failed stage. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
