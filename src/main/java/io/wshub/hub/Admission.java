package io.wshub.hub;

import io.wshub.auth.ClientIdentity;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Json;
import io.wshub.protocol.WireCodec;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;

import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Who gets in, and as whom: a connection is admitted once the cluster agrees (the per-user connection limit is
 * decided in the directory, atomically), then greeted with {@code connected}; until then it receives nothing and its
 * requests wait. A refused connection gets one error frame and its close, nothing else: no {@code connected}, no
 * events, none of its requests handled. Also in-band logins and token refreshes, which change who a connection is,
 * and single session per platform.
 */
@ApplicationScoped
public class Admission {

    private static final Logger LOG = Logger.getLogger(Admission.class.getName());
    /** Close code for a connection replaced by a newer session of the same user and platform. */
    public static final int REPLACED_CLOSE_CODE = 4000;

    @Inject
    Hub hub;
    @Inject
    Messenger messenger;
    @Inject
    HubConfig config;
    @Inject
    LimitsConfig limits;
    @Inject
    HubMetrics metrics;
    @Inject
    Directory directory;
    @Inject
    ClusterCalls cluster;
    @Inject
    Event<ClientConnected> connectedEvent;

    @PostConstruct
    void forgetDepartures() {
        hub.onDeparture(connection -> cluster.run("removing " + connection + " from the directory",
                () -> directory.removeClient(record(connection))));
    }

    /**
     * Opens a connection for an identified client. It is admitted (or refused over the per-user limit) when the
     * directory answers: at once with the memory engine, a moment later with Redis.
     */
    public Connection open(ClientIdentity identity, Outlet outlet, WireCodec codec, long loginDeadline) {
        Connection connection = hub.newConnection(identity, outlet, codec);
        ClientRecord record = record(connection);
        cluster.call(() -> directory.addClient(record, limits.maxConnectionsPerUser()))
                .handle((registered, failure) -> {
                    admit(connection, registered, failure, loginDeadline);
                    return null;
                });
        return connection;
    }

    private void admit(Connection connection, Boolean registered, Throwable failure, long loginDeadline) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
        boolean inDirectory = cause == null && registered;
        if (cause instanceof ClusterUnavailableException unavailable) {
            // Without Redis the node admits on its own count; the heartbeat registers it once Redis is back.
            LOG.log(Level.FINE, "{0} admitted without the directory: {1}", new Object[]{connection, unavailable});
        } else if (cause != null) {
            LOG.log(Level.WARNING, "admitting " + connection + " failed", cause);
            refuseAtOpen(connection, ErrorCode.SERVER_ERROR, "the server could not admit the connection",
                    CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode(), "server error");
            return;
        } else if (!registered) {
            refuseOverUserLimit(connection, connection.userId());
            return;
        }
        int localLimit = inDirectory ? 0 : limits.maxConnectionsPerUser();
        if (connection.isClosed() || !hub.register(connection, localLimit)) {
            if (inDirectory) {
                forget(connection);
            }
            if (!connection.isClosed()) {
                refuseOverUserLimit(connection, connection.userId());
            }
            return;
        }
        if (connection.isClosed()) {
            hub.disconnected(connection, 1006, "closed while being admitted");
            return;
        }
        connection.loginDeadline(loginDeadline);
        connection.send(hub.message("connected", Json.object()
                .add("client_id", connection.id())
                .add("user_id", connection.userId())
                .add("node_id", config.nodeId())
                .build().toString(), null));
        try {
            connectedEvent.fire(new ClientConnected(connection.id(), connection.userId(), config.nodeId()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a ClientConnected observer failed", e);
        }
        replaceOtherSessions(connection);
        connection.requests().release();
    }

    private void forget(Connection connection) {
        cluster.run("removing " + connection + " from the directory",
                () -> directory.removeClient(record(connection)));
    }

    /**
     * A connection refused before it was admitted: one error frame and the close, nothing else. It was never
     * registered, so it raises no event and its pipelined requests are dropped.
     */
    public void refuseAtOpen(Connection connection, ErrorCode code, String message, int closeCode, String reason) {
        connection.requests().drop();
        hub.refuse(connection, code, message, closeCode, reason);
    }

    /** A connection refused at open before it could even be identified (an invalid client_id or platform). */
    public Connection refuseUnidentified(Outlet outlet, WireCodec codec, ErrorCode code, String message,
                                         int closeCode, String reason) {
        Connection connection = hub.newConnection(ClientIdentity.nobody(), outlet, codec);
        refuseAtOpen(connection, code, message, closeCode, reason);
        return connection;
    }

    private void refuseOverUserLimit(Connection connection, String userId) {
        metrics.limitReached("max-connections-per-user");
        String message = "user '" + userId + "' already has " + limits.maxConnectionsPerUser() + " connections";
        int code = CloseReason.CloseCodes.VIOLATED_POLICY.getCode();
        if (connection.isAdmitted()) {
            hub.refuse(connection, ErrorCode.TOO_MANY_CONNECTIONS, message, code, "too many connections");
        } else {
            refuseAtOpen(connection, ErrorCode.TOO_MANY_CONNECTIONS, message, code, "too many connections");
        }
    }

    /**
     * Changes who a connection acts as (in-band login or token refresh), in the directory and this node's index.
     * Completes with false, after answering 4003 and closing, when the new user already has its maximum of
     * connections.
     */
    public CompletionStage<Boolean> changeIdentity(Connection connection, ClientIdentity identity) {
        ClientRecord before = record(connection);
        ClientRecord after = record(connection, identity);
        return cluster.call(() -> directory.updateClient(before, after, limits.maxConnectionsPerUser()))
                .exceptionally(failure -> {
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException
                            ? failure.getCause() : failure;
                    if (cause instanceof ClusterUnavailableException) {
                        return null; // decided on this node's own count below
                    }
                    throw failure instanceof RuntimeException runtime ? runtime
                            : new java.util.concurrent.CompletionException(failure);
                })
                .thenApply(updated -> {
                    boolean inDirectory = updated != null;
                    if (inDirectory && !updated) {
                        refuseOverUserLimit(connection, identity.userId());
                        return false;
                    }
                    if (!hub.reindex(connection, identity, inDirectory ? 0 : limits.maxConnectionsPerUser())) {
                        if (inDirectory) {
                            cluster.run("restoring " + connection + " in the directory", () ->
                                    directory.updateClient(after, before, 0));
                        }
                        refuseOverUserLimit(connection, identity.userId());
                        return false;
                    }
                    connection.loginDeadline(0);
                    replaceOtherSessions(connection);
                    return true;
                });
    }

    /** With {@code wshub.session.single-per-platform}, the user's older connections on the same platform go. */
    private void replaceOtherSessions(Connection connection) {
        String platform = connection.identity().platform();
        if (!config.singleSessionPerPlatform() || platform == null) {
            return;
        }
        String notice = Json.object()
                .add("reason", "a new session of this user on platform '" + platform + "' replaced it")
                .build().toString();
        messenger.connectionsOfUser(connection.userId()).thenAccept(others -> {
            for (ClientRecord other : others) {
                if (!other.clientId().equals(connection.id()) && platform.equals(other.platform())) {
                    messenger.kick(other, REPLACED_CLOSE_CODE, "session replaced",
                            hub.message("session_kicked", notice, null));
                }
            }
        });
    }

    /** What the directory knows of a connection. */
    public ClientRecord record(Connection connection) {
        return record(connection, connection.identity());
    }

    private ClientRecord record(Connection connection, ClientIdentity identity) {
        return new ClientRecord(connection.id(), identity.userId(), identity.platform(), identity.authenticated(),
                config.nodeId(), connection.connectedAt());
    }
}
