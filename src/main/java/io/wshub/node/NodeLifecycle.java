package io.wshub.node;

import io.wshub.cluster.ClusterEngines;
import io.wshub.cluster.Directory;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Connection;
import io.wshub.hub.ConnectionSweeper;
import io.wshub.hub.Hub;
import io.wshub.presence.PresenceEvents;
import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import io.wshub.protocol.Json;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's start and its graceful stop, in one defined order.
 * <p>
 * Stop (undeploy, SIGTERM): the node refuses new upgrades (503), sends each client {@code shutdown
 * {reconnect_after_ms}} (a random spread, so that clients do not all come back at once), lets send queues drain for
 * at most {@code wshub.shutdown.drain-timeout}, closes what is left with 1012 "service restart", removes its clients,
 * memberships and node entry from the directory at once (other nodes see them gone immediately, not after the TTL),
 * then stops the heartbeat, the cluster thread, the bus, the Redis pool and the timer, in that order.
 */
@ApplicationScoped
public class NodeLifecycle {

    private static final Logger LOG = Logger.getLogger(NodeLifecycle.class.getName());
    /** Close code for clients of a node that stops: the service restarts, come back (RFC 6455). */
    public static final int SERVICE_RESTART = 1012;

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    NodeHeartbeat heartbeat;
    @Inject
    ConnectionSweeper sweeper;
    @Inject
    Directory directory;
    @Inject
    ClusterCalls cluster;
    @Inject
    ClusterEngines engines;
    @Inject
    HubScheduler scheduler;
    @Inject
    PresenceEvents presenceEvents;

    private final AtomicBoolean stopped = new AtomicBoolean();

    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        presenceEvents.start();
        sweeper.start();
        heartbeat.start();
    }

    void stopping(@Observes @BeforeDestroyed(ApplicationScoped.class) Object applicationStopping) {
        stop();
    }

    /** Stops the node gracefully; runs once, whoever calls it first. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        long started = System.currentTimeMillis();
        hub.stopAccepting();
        int clients = hub.connectionCount();
        drainAndClose();
        try {
            heartbeat.stop();
            cluster.call(() -> {
                directory.deregister();
                return null;
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "this node's entries could not be removed from the directory; they go with "
                    + "its TTL: {0}", e.toString());
        }
        cluster.stop(2000);
        engines.stop();
        sweeper.stop();
        scheduler.stop();
        LOG.log(Level.INFO, "node {0} stopped: {1} clients told to reconnect, in {2} ms",
                new Object[]{config.nodeId(), clients, System.currentTimeMillis() - started});
    }

    private void drainAndClose() {
        long spread = config.shutdownReconnectSpreadMillis();
        List<Connection> open = List.copyOf(hub.connections());
        for (Connection connection : open) {
            long after = spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(spread + 1);
            hub.close(connection, SERVICE_RESTART, "service restart", hub.message("shutdown",
                    Json.object().add("reconnect_after_ms", after).build().toString(), null));
        }
        long deadline = System.currentTimeMillis() + config.shutdownDrainTimeoutMillis();
        while (hub.connectionCount() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection connection : open) {
            connection.close(SERVICE_RESTART, "service restart"); // no-op for those that went already
        }
        // the close frames are written by the timer after a short drain; wait for them, then close what is left
        long closing = System.currentTimeMillis() + Connection.DRAIN_BEFORE_CLOSE_MILLIS + 1000;
        while (open.stream().anyMatch(c -> !c.isTransportClosed()) && System.currentTimeMillis() < closing) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        open.forEach(Connection::closeTransportNow);
    }
}
