package io.wshub.hub;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hub's own threads: its timer (liveness sweeps, closes that must not run on a sender's thread) and the fan-out
 * lanes ({@link FanOut}, {@code wshub.fanout.lanes}). They come from the container's ManagedThreadFactory, so the
 * container knows them; tasks run without per-task context capture, which is what makes the container's managed
 * executors expensive on a per-message path.
 */
@ApplicationScoped
public class HubScheduler {

    @Resource
    ManagedThreadFactory threadFactory;
    @Inject
    HubConfig config;

    private ScheduledThreadPoolExecutor executor;
    private FanOut fanOut;

    @PostConstruct
    void start() {
        executor = new ScheduledThreadPoolExecutor(1, named("wshub-timer"));
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        fanOut = new FanOut(config.fanOutLanes(), named("wshub-fanout"));
    }

    private ThreadFactory named(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = threadFactory.newThread(task);
            int number = count.incrementAndGet();
            thread.setName(number == 1 ? name : name + "-" + number);
            return thread;
        };
    }

    public ScheduledExecutorService executor() {
        return executor;
    }

    public FanOut fanOut() {
        return fanOut;
    }

    public boolean isRunning() {
        return !executor.isShutdown();
    }

    /** Stops the timer and the lanes; the node's shutdown calls it last, once every connection is closed. */
    public void stop() {
        fanOut.stop();
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
