package io.wshub.hub;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The hub's own timer thread: liveness sweeps and closes that must not run on a sender's thread. Its thread comes
 * from the container's ManagedThreadFactory, so the container knows it; tasks run without per-task context capture,
 * which is what makes the container's managed scheduler expensive on a per-message path.
 */
@ApplicationScoped
public class HubScheduler {

    @Resource
    ManagedThreadFactory threadFactory;

    private ScheduledThreadPoolExecutor executor;

    @PostConstruct
    void start() {
        executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = threadFactory.newThread(task);
            thread.setName("wshub-timer");
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    public ScheduledExecutorService executor() {
        return executor;
    }

    public boolean isRunning() {
        return !executor.isShutdown();
    }

    /** Stops the timer; the node's shutdown calls it last, once every connection is closed. */
    public void stop() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
