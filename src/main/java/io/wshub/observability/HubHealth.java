package io.wshub.observability;

import io.wshub.cluster.Bus;
import io.wshub.hub.ConnectionSweeper;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import io.wshub.hub.NodeHeartbeat;
import io.wshub.transport.TyrusIdleTimerFix;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Liveness: the hub's timer thread still sweeps. Readiness: the hub accepts connections on this node
 * and its bus is connected (with Redis: DOWN, with the reason, while Redis is unreachable). */
@ApplicationScoped
public class HubHealth {

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    HubScheduler scheduler;
    @Inject
    ConnectionSweeper sweeper;
    @Inject
    TyrusIdleTimerFix tyrusFix;
    @Inject
    Bus bus;
    @Inject
    NodeHeartbeat heartbeat;

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
            return HealthCheckResponse.named("wshub-readiness")
                    .status(scheduler.isRunning() && status.up())
                    .withData("node_id", config.nodeId())
                    .withData("connections", hub.connectionCount())
                    .withData("bus", status.name())
                    .withData("bus_status", status.up() ? status.detail() : "DOWN: " + status.detail())
                    .withData("ms_since_heartbeat", heartbeat.lastBeat() == 0 ? -1
                            : System.currentTimeMillis() - heartbeat.lastBeat())
                    .withData("tyrus_idle_timer_fix", tyrusFix.status())
                    .build();
        };
    }
}
