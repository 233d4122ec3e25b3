package io.wshub.hub;

import io.wshub.auth.Permissions;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's connections and users. Lookups and sends take no global lock: connections and users live in concurrent
 * maps, and a user's connection set is replaced atomically per user.
 */
@ApplicationScoped
public class Hub {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

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
    public Connection open(Session session, String userId, Permissions permissions, WireCodec codec) {
        Connection connection = new Connection(newClientId(), userId, permissions, session, codec, this);
        connections.put(connection.id(), connection);
        int perUser = limits.maxConnectionsPerUser();
        users.compute(userId, (id, set) -> {
            if (perUser > 0 && set != null && set.size() >= perUser) {
                connection.admitted = false;
                return set;
            }
            Set<Connection> result = set == null ? ConcurrentHashMap.newKeySet() : set;
            result.add(connection);
            return result;
        });
        metrics.connectionOpened();
        if (!connection.admitted) {
            metrics.limitReached("max-connections-per-user");
            metrics.error(ErrorCode.TOO_MANY_CONNECTIONS);
            connection.send(message("error", codec.errorData(ErrorCode.TOO_MANY_CONNECTIONS,
                    "user '" + userId + "' already has " + perUser + " connections", null), null));
            connection.closeAfterFlush(CloseReason.CloseCodes.VIOLATED_POLICY.getCode(), "too many connections");
            return connection;
        }
        connection.send(message("connected", Json.object()
                .add("client_id", connection.id())
                .add("user_id", userId)
                .add("node_id", config.nodeId())
                .build().toString(), null));
        connectedEvent.fire(new ClientConnected(connection.id(), userId, config.nodeId()));
        return connection;
    }

    /** Forgets a connection; called exactly once per connection, by the connection itself. */
    void disconnected(Connection connection, int code, String reason) {
        if (connections.remove(connection.id(), connection)) {
            users.computeIfPresent(connection.userId(), (id, set) -> {
                set.remove(connection);
                return set.isEmpty() ? null : set;
            });
            rooms.leaveAll(connection);
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

    /** Sends to every connection of a user; returns how many connections it was queued for. */
    public int sendToUser(String userId, Outbound message) {
        Delivery delivery = new Delivery(message);
        int sent = 0;
        for (Connection connection : connectionsOf(userId)) {
            if (connection.send(delivery)) {
                sent++;
            }
        }
        return sent;
    }

    /** Sends to every connection of this node; returns how many it was queued for. */
    public int broadcast(Outbound message) {
        Delivery delivery = new Delivery(message);
        int sent = 0;
        for (Connection connection : connections.values()) {
            if (connection.send(delivery)) {
                sent++;
            }
        }
        return sent;
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
