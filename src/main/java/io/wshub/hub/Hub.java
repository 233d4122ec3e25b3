package io.wshub.hub;

import io.wshub.auth.ClientIdentity;
import io.wshub.cdi.Unproxied;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's admitted connections and their users: lookups without a global lock (concurrent maps; a user's set of
 * connections changes atomically under its map entry), the node's message ids, and the life of a connection once it
 * is admitted ({@link Admission} decides that) until it is forgotten.
 */
@ApplicationScoped
public class Hub implements Unproxied<Hub>, Connection.Host {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    HubConfig config;
    @Inject
    HubMetrics metrics;
    @Inject
    HubScheduler scheduler;
    @Inject
    Event<ClientDisconnected> disconnectedEvent;

    private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
    /** Each user's connections here, an immutable set replaced whole (most users have one: no set of its own). */
    private final ConcurrentHashMap<String, Set<Connection>> users = new ConcurrentHashMap<>();
    private final AtomicLong messageIds = new AtomicLong();
    private volatile boolean accepting = true;
    /** Told, in order, of every admitted connection that goes: the rooms forget it, the directory removes it. */
    private final List<Consumer<Connection>> departures = new CopyOnWriteArrayList<>();

    private int maxQueuedFrames;
    private long maxQueuedChars;
    private FanOut fanOut;

    @PostConstruct
    void init() {
        metrics = metrics.direct().get();
        config = config.direct().get();
        fanOut = scheduler.fanOut();
        maxQueuedFrames = config.sendQueueMaxFrames();
        maxQueuedChars = config.sendQueueMaxBytes();
        metrics.gauge("wshub_connections_current", "Open WebSocket connections", this::connectionCount);
        metrics.gauge("wshub_users_current", "Distinct users connected to this node", this::userCount);
    }

    /** A new connection, not yet admitted: it receives nothing and its requests wait until {@link Admission} says. */
    Connection newConnection(ClientIdentity identity, Outlet outlet, WireCodec codec) {
        metrics.connectionOpened(); // every upgraded connection, admitted or refused
        return new Connection(newClientId(), identity, outlet, codec, this);
    }

    /**
     * Makes an admitted connection reachable. With {@code maxPerUser} > 0 it is refused (false) when its user already
     * has that many connections on this node.
     */
    boolean register(Connection connection, int maxPerUser) {
        if (!index(connection, connection.userId(), maxPerUser)) {
            return false;
        }
        connections.put(connection.id(), connection);
        connection.admitted();
        return true;
    }

    /** Moves a connection to another user in the index; false when that user has {@code maxPerUser} here. */
    boolean reindex(Connection connection, ClientIdentity identity, int maxPerUser) {
        String previous = connection.userId();
        if (previous.equals(identity.userId())) {
            connection.identity(identity);
            return true;
        }
        if (!index(connection, identity.userId(), maxPerUser)) {
            return false;
        }
        connection.identity(identity);
        unindex(connection, previous);
        return true;
    }

    private boolean index(Connection connection, String userId, int maxPerUser) {
        boolean[] added = {false};
        users.compute(userId, (id, set) -> {
            if (maxPerUser > 0 && set != null && set.size() >= maxPerUser && !set.contains(connection)) {
                return set;
            }
            added[0] = true;
            return ImmutableSets.with(set == null ? Set.of() : set, connection);
        });
        return added[0];
    }

    private void unindex(Connection connection, String userId) {
        users.computeIfPresent(userId, (id, set) -> {
            Set<Connection> rest = ImmutableSets.without(set, connection);
            return rest.isEmpty() ? null : rest;
        });
    }

    /** Registers what must happen, in order, when an admitted connection goes. No I/O may wait in it. */
    public void onDeparture(Consumer<Connection> departure) {
        departures.add(departure);
    }

    // Connection.Host

    @Override
    public void disconnected(Connection connection, int code, String reason) {
        if (!connections.remove(connection.id(), connection)) {
            return; // never admitted (refused at open) or already forgotten
        }
        unindex(connection, connection.userId());
        for (Consumer<Connection> departure : departures) {
            try {
                departure.accept(connection);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cleaning up after " + connection + " failed", e);
            }
        }
        try {
            disconnectedEvent.fire(new ClientDisconnected(connection.id(), connection.userId(), code, reason));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a ClientDisconnected observer failed", e);
        }
    }

    @Override
    public void slowConsumer(Connection connection) {
        metrics.slowConsumerDisconnected();
        connection.close(jakarta.websocket.CloseReason.CloseCodes.VIOLATED_POLICY.getCode(), "slow consumer");
    }

    @Override
    public int maxQueuedFrames() {
        return maxQueuedFrames;
    }

    @Override
    public long maxQueuedChars() {
        return maxQueuedChars;
    }

    @Override
    public void sent(int frames) {
        metrics.messagesSent(frames);
    }

    /** On the hub's timer thread: a close may wait for the socket, senders must not. */
    @Override
    public void closeLater(Runnable close, long delayMillis) {
        try {
            scheduler.executor().schedule(close, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException shuttingDown) {
            close.run();
        }
    }

    // sending to this node's connections

    /** Sends an {@code error} frame answering {@code requestId} (null for none) and counts it. */
    public void sendError(Connection connection, ErrorCode code, String message, Long requestId) {
        metrics.error(code);
        connection.send(message("error", connection.codec().errorData(code, message, requestId), requestId));
    }

    /** Sends an error frame, then closes once it is written; the error and close of the first refusal win. */
    public void refuse(Connection connection, ErrorCode code, String message, int closeCode, String reason) {
        if (!connection.isOpen()) {
            return;
        }
        sendError(connection, code, message, null);
        connection.closeAfterFlush(closeCode, reason);
    }

    /** Sends to this node's connections of a user (on {@code platform} only, unless null); returns how many. */
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

    /** Sends to every connection of this node; returns how many. */
    public int deliverToAll(Outbound message) {
        Delivery delivery = new Delivery(message);
        List<Connection> receivers = new ArrayList<>(connections.size());
        for (Connection connection : connections.values()) {
            if (connection.queue(delivery)) {
                receivers.add(connection);
            }
        }
        fanOut.flush(receivers);
        return receivers.size();
    }

    /** Closes this node's connections of a user. */
    public void closeUser(String userId, int code, String reason) {
        List.copyOf(connectionsOf(userId)).forEach(connection -> connection.close(code, reason));
    }

    /** Closes a connection of this node; with a {@code notice}, the connection reads it first. */
    public void close(Connection connection, int code, String reason, Outbound notice) {
        if (notice == null) {
            connection.close(code, reason);
        } else {
            connection.send(notice);
            connection.closeAfterFlush(code, reason);
        }
    }

    /** A new server message with the next id of this node. */
    public Outbound message(String type, String dataJson, Long requestId) {
        return new Outbound(messageIds.incrementAndGet(), type, dataJson, System.currentTimeMillis(), requestId);
    }

    /** A message made on another node, with this node's next message id and its original time. */
    public Outbound relayed(String type, String dataJson, long timestamp) {
        return new Outbound(messageIds.incrementAndGet(), type, dataJson, timestamp, null);
    }

    public Optional<Connection> connection(String clientId) {
        return Optional.ofNullable(connections.get(clientId));
    }

    public Collection<Connection> connections() {
        return Collections.unmodifiableCollection(connections.values());
    }

    public Set<Connection> connectionsOf(String userId) {
        Set<Connection> set = users.get(userId);
        return set == null ? Set.of() : set;
    }

    /** The node stops: upgrades are refused from now on. */
    public void stopAccepting() {
        accepting = false;
    }

    public boolean isAccepting() {
        return accepting;
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

    private static String newClientId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
