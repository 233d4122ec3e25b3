package io.wshub.node;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterConfig;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.Membership;
import io.wshub.cluster.Directory.NodeState;
import io.wshub.hub.Admission;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Connection;
import io.wshub.hub.Hub;
import io.wshub.presence.Watchers;
import io.wshub.room.Room;
import io.wshub.room.RoomRegistry;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps this node alive in the directory, on a thread of its own (never the hub's timer, which sweeps idle
 * connections and closes them): every {@code wshub.cluster.node-ttl}/3 it refreshes the node's one entry (whatever
 * its number of connections), writes the node's whole state again when the cluster gave the node up (a pause longer
 * than the TTL) or a write was lost (Redis away), and sweeps what dead nodes left behind.
 */
@ApplicationScoped
public class NodeHeartbeat {

    private static final Logger LOG = Logger.getLogger(NodeHeartbeat.class.getName());

    @Inject
    Hub hub;
    @Inject
    Admission admission;
    @Inject
    RoomRegistry rooms;
    @Inject
    Directory directory;
    @Inject
    Bus bus;
    @Inject
    Inbox inbox;
    @Inject
    io.wshub.cluster.History history;
    @Inject
    ClusterConfig clusterConfig;
    @Inject
    ClusterCalls cluster;
    @Inject
    Watchers watchers;
    @Resource
    ManagedThreadFactory threadFactory;

    private ScheduledThreadPoolExecutor thread;
    private volatile boolean registerRequested = true;
    private volatile long lastBeat;
    /** Set while heartbeats fail, so that an outage is logged once. */
    private volatile boolean failing;

    void start() {
        thread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread beat = threadFactory.newThread(task);
            beat.setName("wshub-heartbeat");
            beat.setDaemon(true);
            return beat;
        });
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        long period = clusterConfig.heartbeatMillis();
        history.start(inbox::receive);
        bus.start(inbox::receive, new Bus.Interest() {
            @Override
            public boolean wants(String topic) {
                String watchedUser = Watchers.userOf(topic);
                return watchedUser == null ? rooms.wanted(topic) : watchers.wanted(watchedUser);
            }

            @Override
            public java.util.Collection<String> rooms() {
                List<String> topics = new ArrayList<>(rooms.wantedRooms());
                topics.addAll(watchers.wantedTopics());
                return topics;
            }
        }, () -> {
            registerRequested = true;
            thread.execute(this::beat);
        });
        thread.execute(this::beat);
        thread.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    void beat() {
        try {
            bus.keepAlive();
            boolean alive = directory.beat();
            if (!alive || registerRequested || directory.needsRegister()) {
                if (!alive && lastBeat > 0) {
                    LOG.warning("the cluster gave this node up (its heartbeat was late by more than the node TTL); "
                            + "registering its state again");
                }
                registerRequested = false;
                register();
            }
            lastBeat = System.currentTimeMillis();
            failing = false;
            sweep();
            sweepAtNextExpiry();
        } catch (RuntimeException e) {
            registerRequested = true;
            if (!failing) {
                LOG.log(Level.WARNING, "heartbeat failed: {0}", e.getMessage());
            }
            failing = true;
        }
    }

    private void sweep() {
        int swept = directory.sweep();
        if (swept > 0) {
            LOG.log(Level.INFO, "removed {0} connections of nodes that stopped", swept);
        }
    }

    /**
     * A node that missed a heartbeat expires before this node's next beat: its sweep is scheduled for that moment, so
     * that a dead node's connections (and their users' user_offline) go within the node TTL of its death, not up to
     * a heartbeat later. Live nodes' expiries lie beyond the next beat, so this costs nothing while all is well.
     */
    private void sweepAtNextExpiry() {
        long now = System.currentTimeMillis();
        long next = directory.nextExpiry();
        if (next > 0 && next < now + clusterConfig.heartbeatMillis()) {
            thread.schedule(() -> {
                try {
                    sweep();
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "an early sweep failed: {0}", e.toString());
                }
            }, next - now + 20, TimeUnit.MILLISECONDS);
        }
    }

    /** On the cluster thread, in order with the node's other writes, so no departed connection comes back. */
    private void register() {
        try {
            cluster.call(() -> {
                directory.register(snapshot());
                return null;
            }).get(Math.max(10_000, clusterConfig.nodeTtlMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("registering the node's state timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private NodeState snapshot() {
        List<ClientRecord> clients = new ArrayList<>();
        List<Membership> memberships = new ArrayList<>();
        for (Connection connection : hub.connections()) {
            if (!connection.isOpen()) {
                continue;
            }
            clients.add(admission.record(connection));
            for (String roomId : connection.rooms()) {
                rooms.localRoom(roomId).map(Room::settings)
                        .ifPresent(settings -> memberships.add(new Membership(settings, connection.id())));
            }
        }
        return new NodeState(clients, memberships);
    }

    /** When this node last refreshed its entry (epoch ms, 0 = never). */
    public long lastBeat() {
        return lastBeat;
    }

    void stop() {
        if (thread != null) {
            thread.shutdownNow();
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
