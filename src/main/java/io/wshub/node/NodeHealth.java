package io.wshub.node;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterConfig;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.ConnectionSweeper;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import io.wshub.transport.TyrusIdleTimerFix;
import io.wshub.transport.GrizzlyDirectReads;
import io.wshub.transport.GrizzlyDirectWrites;
import io.wshub.transport.UpgradeRequestTrim;
import io.wshub.transport.InPlaceReads;
import io.wshub.transport.LingeringClose;
import io.wshub.transport.TyrusRawFrames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Liveness: the hub's timer thread still sweeps (it never waits for Redis, so a slow Redis does not make the node
 * look dead). Readiness: the node accepts connections, its bus is connected and its heartbeat is current (DOWN, with
 * the reason, while Redis is unreachable or so slow that the heartbeat falls behind the node TTL).
 */
@ApplicationScoped
public class NodeHealth {

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    ClusterConfig clusterConfig;
    @Inject
    HubScheduler scheduler;
    @Inject
    ConnectionSweeper sweeper;
    @Inject
    TyrusIdleTimerFix tyrusFix;
    @Inject
    TyrusRawFrames rawFrames;
    @Inject
    GrizzlyDirectWrites directWrites;
    @Inject
    UpgradeRequestTrim requestTrim;
    @Inject
    InPlaceReads inPlaceReads;
    @Inject
    GrizzlyDirectReads directReads;
    @Inject
    LingeringClose lingeringClose;
    @Inject
    Bus bus;
    @Inject
    NodeHeartbeat heartbeat;
    @Inject
    ClusterCalls cluster;

    @Produces
    @Liveness
    HealthCheck sweeperAlive() {
        return () -> {
            long sinceSweep = System.currentTimeMillis() - sweeper.lastSweep();
            boolean alive = scheduler.isRunning() && (sweeper.lastSweep() == 0
                    || sinceSweep < Math.max(10_000, 10 * sweeper.sweepPeriodMillis()));
            return HealthCheckResponse.named("wshub-liveness")
                    .status(alive)
                    .withData("scheduler", scheduler.isRunning() ? "running" : "stopped")
                    .withData("ms_since_last_sweep", sweeper.lastSweep() == 0 ? -1 : sinceSweep)
                    .build();
        };
    }

    @Produces
    @Readiness
    HealthCheck hubReady() {
        return () -> {
            Bus.Status status = bus.status();
            long sinceBeat = heartbeat.lastBeat() == 0 ? -1 : System.currentTimeMillis() - heartbeat.lastBeat();
            boolean beating = !clusterConfig.redis() || sinceBeat >= 0 && sinceBeat <= clusterConfig.nodeTtlMillis();
            return HealthCheckResponse.named("wshub-readiness")
                    .status(scheduler.isRunning() && hub.isAccepting() && status.up() && beating)
                    .withData("node_id", config.nodeId())
                    .withData("accepting", hub.isAccepting())
                    .withData("connections", hub.connectionCount())
                    .withData("bus", status.name())
                    .withData("bus_status", status.up() ? status.detail() : "DOWN: " + status.detail())
                    .withData("ms_since_heartbeat", sinceBeat)
                    .withData("heartbeat", beating ? "current" : "late: more than the node TTL ago")
                    .withData("cluster_calls_waiting", cluster.waiting())
                    .withData("tyrus_idle_timer_fix", tyrusFix.status())
                    .withData("tyrus_sessions_born_with_fix", tyrusFix.bornWithFix())
                    .withData("tyrus_raw_frames", rawFrames.status())
                    .withData("grizzly_direct_writes", directWrites.status())
                    .withData("grizzly_upgrade_request_trim", requestTrim.status())
                    .withData("grizzly_in_place_reads", inPlaceReads.status())
                    .withData("grizzly_direct_reads", directReads.status())
                    .withData("tyrus_close_linger", lingeringClose.status())
                    .build();
        };
    }
}
