package io.wshub.hub;

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
        if (!index(connection, identity.userId())) {
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
        if (!previous.equals(identity.userId())) {
            if (!index(connection, identity.userId())) {
                refuseOverUserLimit(connection, identity.userId());
                return false;
            }
            unindex(connection, previous);
        }
        connection.identity(identity);
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
        for (Connection other : connectionsOf(connection.userId())) {
            if (other != connection && platform.equals(other.identity().platform())) {
                other.send(message("session_kicked", Json.object()
                        .add("reason", "a new session of this user on platform '" + platform + "' replaced it")
                        .build().toString(), null));
                other.closeAfterFlush(KICKED_CLOSE_CODE, "session replaced");
            }
        }
    }

    /** Forgets a connection; called exactly once per connection, by the connection itself. */
    void disconnected(Connection connection, int code, String reason) {
        if (connections.remove(connection.id(), connection)) {
            unindex(connection, connection.userId());
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
