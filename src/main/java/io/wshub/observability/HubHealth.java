package io.wshub.observability;

import io.wshub.hub.ConnectionSweeper;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import io.wshub.transport.TyrusIdleTimerFix;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Liveness: the hub's timer thread still sweeps. Readiness: the hub accepts connections on this node. */
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
        return () -> HealthCheckResponse.named("wshub-readiness")
                .status(scheduler.isRunning())
                .withData("node_id", config.nodeId())
                .withData("connections", hub.connectionCount())
                .withData("bus", "memory")
                .withData("tyrus_idle_timer_fix", tyrusFix.status())
                .build();
    }
}
