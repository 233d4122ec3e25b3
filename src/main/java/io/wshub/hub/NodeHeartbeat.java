package io.wshub.hub;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterConfig;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.Membership;
import io.wshub.cluster.Directory.NodeRecord;
import io.wshub.cluster.Directory.NodeState;
import io.wshub.room.Room;
import io.wshub.room.RoomRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts the bus with the application and keeps this node's directory entries alive: every
 * {@code wshub.cluster.node-ttl}/3 it extends them, and after the bus (re)connects it writes them all again.
 */
@ApplicationScoped
public class NodeHeartbeat {

    private static final Logger LOG = Logger.getLogger(NodeHeartbeat.class.getName());

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    Directory directory;
    @Inject
    Bus bus;
    @Inject
    Inbox inbox;
    @Inject
    HubConfig config;
    @Inject
    ClusterConfig clusterConfig;
    @Inject
    HubScheduler scheduler;

    private final long startedAt = System.currentTimeMillis();
    private volatile boolean reRegister = true;
    private volatile long lastBeat;
    /** Set while heartbeats fail, so that an outage is logged once. */
    private volatile boolean failing;
    private ScheduledFuture<?> task;

    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        long period = clusterConfig.heartbeatMillis();
        task = scheduler.executor().scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
        bus.start(inbox::receive, () -> {
            reRegister = true;
            scheduler.executor().execute(this::beat);
        });
    }

    void beat() {
        bus.keepAlive();
        boolean all = reRegister;
        reRegister = false;
        try {
            directory.refresh(this::snapshot, all);
            lastBeat = System.currentTimeMillis();
            failing = false;
        } catch (RuntimeException e) {
            reRegister |= all;
            if (!failing) {
                LOG.log(Level.WARNING, "heartbeat failed: {0}", e.getMessage());
            }
            failing = true;
        }
    }

    private NodeState snapshot() {
        List<Membership> memberships = new ArrayList<>();
        for (Room room : rooms.localRooms()) {
            room.members().forEach(member -> memberships.add(new Membership(room.settings(), member.id())));
        }
        return new NodeState(new NodeRecord(config.nodeId(), startedAt, System.currentTimeMillis()),
                hub.connections().stream().filter(c -> c.admitted && c.isOpen()).map(hub::record).toList(),
                memberships);
    }

    /** When this node last refreshed its entries (epoch ms, 0 = never). */
    public long lastBeat() {
        return lastBeat;
    }

    @PreDestroy
    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
