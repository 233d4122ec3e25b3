package io.wshub.hub;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Envelope;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The node's connections and users, and the way to reach any connection of the cluster: local ones directly, the
 * others through the {@link Bus} to their node, found in the {@link Directory}. Lookups and sends take no global lock:
 * connections and users live in concurrent maps, and a user's connection set is replaced atomically per user.
 */
@ApplicationScoped
public class Hub {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Close code for a connection replaced by a newer session of the same user and platform. */
    public static final int KICKED_CLOSE_CODE = 4000;

    @Inject
    HubConfig config;
    @Inject
    HubMetrics metrics;
    @Inject
    RoomRegistry rooms;
    @Inject
    HubScheduler scheduler;
    @Inject
    LimitsConfig limits;
    @Inject
    Directory directory;
    @Inject
    Bus bus;
    @Inject
    Event<ClientConnected> connectedEvent;
    @Inject
    Event<ClientDisconnected> disconnectedEvent;

    private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Connection>> users = new ConcurrentHashMap<>();
    private final AtomicLong messageIds = new AtomicLong();

    /**
     * Registers an opened session and greets it with {@code connected}; a connection over
     * {@code wshub.limits.max-connections-per-user} gets error 4003 and is closed instead.
     */
    public Connection open(Session session, ClientIdentity identity, WireCodec codec) {
        Connection connection = new Connection(newClientId(), identity, session, codec, this);
        connections.put(connection.id(), connection);
        metrics.connectionOpened();
        // the node's own count first, then the cluster's (the directory decides atomically)
        boolean withinLimit = index(connection, identity.userId());
        if (withinLimit && !register(connection)) {
            unindex(connection, identity.userId());
            withinLimit = false;
        }
        if (!withinLimit) {
            connection.admitted = false;
            refuseOverUserLimit(connection, identity.userId());
            return connection;
        }
        connection.send(message("connected", Json.object()
                .add("client_id", connection.id())
                .add("user_id", identity.userId())
                .add("node_id", config.nodeId())
                .build().toString(), null));
        connectedEvent.fire(new ClientConnected(connection.id(), identity.userId(), config.nodeId()));
        replaceOtherSessions(connection);
        return connection;
    }

    /** A client that connected without a token must log in before {@code deadline} (epoch ms). */
    public void awaitLogin(Connection connection, long deadline) {
        connection.loginDeadline(deadline);
    }

    /**
     * Changes who a connection acts as (in-band login or token refresh), keeping the user index in step. Returns
     * false, after answering 4003 and closing, when the new user already has its maximum of connections.
     */
    public boolean changeIdentity(Connection connection, ClientIdentity identity) {
        String previous = connection.userId();
        ClientIdentity previousIdentity = connection.identity();
        ClientRecord before = record(connection);
        boolean otherUser = !previous.equals(identity.userId());
        if (otherUser && !index(connection, identity.userId())) {
            refuseOverUserLimit(connection, identity.userId());
            return false;
        }
        connection.identity(identity);
        if (!updateRegistration(before, record(connection))) {
            connection.identity(previousIdentity);
            if (otherUser) {
                unindex(connection, identity.userId());
            }
            refuseOverUserLimit(connection, identity.userId());
            return false;
        }
        if (otherUser) {
            unindex(connection, previous);
        }
        connection.loginDeadline(0);
        replaceOtherSessions(connection);
        return true;
    }

    /** Sends an {@code error} frame answering {@code requestId} (null for none) and counts it. */
    public void sendError(Connection connection, ErrorCode code, String message, Long requestId) {
        metrics.error(code);
        connection.send(message("error", connection.codec().errorData(code, message, requestId), requestId));
    }

    /** Sends an error frame, then closes once it is written. */
    public void refuse(Connection connection, ErrorCode code, String message, int closeCode, String reason) {
        if (connection.isClosing()) {
            return;
        }
        sendError(connection, code, message, null);
        connection.closeAfterFlush(closeCode, reason);
    }

    private void refuseOverUserLimit(Connection connection, String userId) {
        metrics.limitReached("max-connections-per-user");
        refuse(connection, ErrorCode.TOO_MANY_CONNECTIONS, "user '" + userId + "' already has "
                + limits.maxConnectionsPerUser() + " connections", CloseReason.CloseCodes.VIOLATED_POLICY.getCode(),
                "too many connections");
    }

    /** What the directory knows of a connection. */
    public ClientRecord record(Connection connection) {
        ClientIdentity identity = connection.identity();
        return new ClientRecord(connection.id(), identity.userId(), identity.platform(), identity.authenticated(),
                config.nodeId(), connection.connectedAt());
    }

    /**
     * Registers a connection cluster-wide, where the per-user limit is decided. Without Redis the node admits it on
     * its own count; the heartbeat registers it once Redis is back.
     */
    private boolean register(Connection connection) {
        try {
            return directory.addClient(record(connection), limits.maxConnectionsPerUser());
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "{0} admitted without the directory: {1}", new Object[]{connection, e});
            return true;
        }
    }

    private boolean updateRegistration(ClientRecord before, ClientRecord after) {
        try {
            return directory.updateClient(before, after, limits.maxConnectionsPerUser());
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "{0} changed user without the directory: {1}", new Object[]{after, e});
            return true;
        }
    }

    /** Adds the connection to its user's set unless the per-user limit is reached. */
    private boolean index(Connection connection, String userId) {
        int perUser = limits.maxConnectionsPerUser();
        boolean[] added = {false};
        users.compute(userId, (id, set) -> {
            if (perUser > 0 && set != null && set.size() >= perUser) {
                return set;
            }
            Set<Connection> result = set == null ? ConcurrentHashMap.newKeySet() : set;
            result.add(connection);
            added[0] = true;
            return result;
        });
        return added[0];
    }

    private void unindex(Connection connection, String userId) {
        users.computeIfPresent(userId, (id, set) -> {
            set.remove(connection);
            return set.isEmpty() ? null : set;
        });
    }

    /** With {@code wshub.session.single-per-platform}, the user's older connections on the same platform go. */
    private void replaceOtherSessions(Connection connection) {
        String platform = connection.identity().platform();
        if (!config.singleSessionPerPlatform() || platform == null) {
            return;
        }
        Outbound notice = message("session_kicked", Json.object()
                .add("reason", "a new session of this user on platform '" + platform + "' replaced it")
                .build().toString(), null);
        for (ClientRecord other : connectionsEverywhere(connection.userId())) {
            if (!other.clientId().equals(connection.id()) && platform.equals(other.platform())) {
                kick(other, KICKED_CLOSE_CODE, "session replaced", notice);
            }
        }
    }

    /** A user's connections on all nodes; only this node's while Redis is away. */
    private List<ClientRecord> connectionsEverywhere(String userId) {
        try {
            return directory.clientsOfUser(userId);
        } catch (ClusterUnavailableException e) {
            return connectionsOf(userId).stream().map(this::record).toList();
        }
    }

    /** Forgets a connection; called exactly once per connection, by the connection itself. */
    void disconnected(Connection connection, int code, String reason) {
        if (connections.remove(connection.id(), connection)) {
            unindex(connection, connection.userId());
            rooms.leaveAll(connection);
            try {
                directory.removeClient(record(connection));
            } catch (ClusterUnavailableException e) {
                // the entries expire: the heartbeat no longer extends them
                LOG.log(Level.FINE, "{0} not removed from the directory: {1}", new Object[]{connection, e});
            }
            if (!connection.admitted) {
                return;
            }
            try {
                disconnectedEvent.fire(new ClientDisconnected(connection.id(), connection.userId(), code, reason));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a ClientDisconnected observer failed", e);
            }
        }
    }

    void slowConsumer(Connection connection) {
        metrics.slowConsumerDisconnected();
        connection.close(CloseReason.CloseCodes.VIOLATED_POLICY.getCode(), "slow consumer");
    }

    /** Closes the session on the hub's own thread: a close may wait for the socket, senders must not. */
    void closeSession(Session session, CloseReason reason) {
        Runnable close = () -> {
            try {
                if (session.isOpen()) {
                    session.close(reason);
                }
            } catch (Exception e) {
                LOG.log(Level.FINE, "closing a session failed", e);
            }
        };
        try {
            scheduler.executor().execute(close);
        } catch (RuntimeException shuttingDown) {
            close.run();
        }
    }

    void scheduleClose(Runnable close, long delayMillis) {
        try {
            scheduler.executor().schedule(close, delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (RuntimeException shuttingDown) {
            close.run();
        }
    }

    /** A new server message with the next id of this node. */
    public Outbound message(String type, String dataJson, Long requestId) {
        return new Outbound(messageIds.incrementAndGet(), type, dataJson, System.currentTimeMillis(), requestId);
    }

    public Optional<Connection> connection(String clientId) {
        return Optional.ofNullable(connections.get(clientId));
    }

    public Collection<Connection> connections() {
        return Collections.unmodifiableCollection(connections.values());
    }

    public Set<Connection> connectionsOf(String userId) {
        Set<Connection> set = users.get(userId);
        return set == null ? Set.of() : Collections.unmodifiableSet(set);
    }

    /**
     * Sends to every connection of a user (on {@code platform} only, unless null), on any node. Returns how many
     * connections it was sent to: queued here, or handed to their nodes.
     */
    public int sendToUser(String userId, String platform, Outbound message) {
        List<ClientRecord> targets;
        try {
            targets = directory.clientsOfUser(userId);
        } catch (ClusterUnavailableException e) {
            if (connectionsOf(userId).isEmpty()) {
                throw e;
            }
            targets = List.of(); // this node's connections still get it
        }
        int sent = deliverToUser(userId, platform, message);
        Map<String, Long> elsewhere = targets.stream()
                .filter(t -> !t.nodeId().equals(config.nodeId()) && (platform == null || platform.equals(t.platform())))
                .collect(Collectors.groupingBy(ClientRecord::nodeId, Collectors.counting()));
        for (Map.Entry<String, Long> node : elsewhere.entrySet()) {
            sent += node.getValue().intValue();
            publishQuietly(() -> bus.publishToNode(node.getKey(), Envelope.message(Envelope.Kind.USER_MESSAGE,
                    config.nodeId(), userId, platform, message.type(), message.dataJson(), message.timestamp())));
        }
        return sent;
    }

    /** Sends to this node's connections of a user (on {@code platform} only, unless null). */
    public int deliverToUser(String userId, String platform, Outbound message) {
        Delivery delivery = new Delivery(message);
        int sent = 0;
        for (Connection connection : connectionsOf(userId)) {
            if ((platform == null || platform.equals(connection.identity().platform())) && connection.send(delivery)) {
                sent++;
            }
        }
        return sent;
    }

    /** Sends to one connection of any node; 4000 when there is no such connection. */
    public void sendToClient(String clientId, Outbound message) {
        Optional<Connection> local = connection(clientId);
        if (local.isPresent()) {
            local.get().send(message);
            return;
        }
        ClientRecord client = remoteClient(clientId);
        bus.publishToNode(client.nodeId(), Envelope.message(Envelope.Kind.CLIENT_MESSAGE, config.nodeId(), clientId,
                null, message.type(), message.dataJson(), message.timestamp()));
    }

    /** Sends to every connection of the cluster; returns how many (this node's plus the others' in the directory). */
    public int broadcast(Outbound message) {
        int sent = deliverToAll(message);
        try {
            bus.publishToAll(Envelope.message(Envelope.Kind.BROADCAST, config.nodeId(), null, null, message.type(),
                    message.dataJson(), message.timestamp()));
            sent += (int) Math.max(0, directory.clientCount() - connections.size());
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "broadcast reached this node only: {0}", e);
        }
        return sent;
    }

    /** Sends to every connection of this node. */
    public int deliverToAll(Outbound message) {
        Delivery delivery = new Delivery(message);
        int sent = 0;
        for (Connection connection : connections.values()) {
            if (connection.send(delivery)) {
                sent++;
            }
        }
        return sent;
    }

    /** Closes a connection of any node; 4000 when there is no such connection. */
    public void kickClient(String clientId, int code, String reason) {
        Optional<Connection> local = connection(clientId);
        if (local.isPresent()) {
            local.get().close(code, reason);
        } else {
            kick(remoteClient(clientId), code, reason, null);
        }
    }

    /** Closes every connection of a user, on every node; 4001 when the user has none. */
    public void kickUser(String userId, int code, String reason) {
        List<ClientRecord> targets = directory.clientsOfUser(userId);
        if (targets.isEmpty()) {
            throw new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + userId + "' is not online");
        }
        kickLocalUser(userId, code, reason);
        targets.stream().map(ClientRecord::nodeId).filter(node -> !node.equals(config.nodeId())).distinct()
                .forEach(node -> bus.publishToNode(node, Envelope.control(Envelope.Kind.KICK_USER, config.nodeId(),
                        userId, null, code, reason)));
    }

    public void kickLocalUser(String userId, int code, String reason) {
        List.copyOf(connectionsOf(userId)).forEach(connection -> connection.close(code, reason));
    }

    /** Closes a connection wherever it is; with a {@code notice}, the connection reads it first. */
    private void kick(ClientRecord client, int code, String reason, Outbound notice) {
        if (client.nodeId().equals(config.nodeId())) {
            connection(client.clientId()).ifPresent(connection -> kickLocal(connection, code, reason, notice));
            return;
        }
        publishQuietly(() -> bus.publishToNode(client.nodeId(), new Envelope(Envelope.Kind.KICK_CLIENT,
                config.nodeId(), client.clientId(), null, null, notice == null ? null : notice.type(),
                notice == null ? null : notice.dataJson(), notice == null ? 0 : notice.timestamp(), code, reason, 0)));
    }

    public void kickLocal(Connection connection, int code, String reason, Outbound notice) {
        if (notice == null) {
            connection.close(code, reason);
        } else {
            connection.send(notice);
            connection.closeAfterFlush(code, reason);
        }
    }

    /** A connection of another node, from the directory; 4000 when there is none. */
    public ClientRecord remoteClient(String clientId) {
        return directory.client(clientId).filter(client -> !client.nodeId().equals(config.nodeId())).orElseThrow(
                () -> new HubException(ErrorCode.CLIENT_NOT_FOUND, "no client '" + clientId + "'"));
    }

    private static void publishQuietly(Runnable publish) {
        try {
            publish.run();
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "not sent to another node: {0}", e);
        }
    }

    /** A message another node relayed, with this node's next message id and the original time. */
    public Outbound relayed(Envelope envelope) {
        return new Outbound(messageIds.incrementAndGet(), envelope.type(), envelope.data(), envelope.timestamp(), null);
    }

    public int connectionCount() {
        return connections.size();
    }

    public int userCount() {
        return users.size();
    }

    public HubConfig config() {
        return config;
    }

    HubMetrics metrics() {
        return metrics;
    }

    private static String newClientId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** An anonymous user id: {@code guest-} and 12 random hex digits. */
    public static String newGuestId() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return "guest-" + java.util.HexFormat.of().formatHex(bytes);
    }
}
