package io.wshub.hub;

import io.wshub.cdi.Unproxied;
import io.wshub.cluster.ClusterConfig;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where calls to the cluster's engines run, so that no socket thread waits for Redis. With Redis, calls run one after
 * another on the node's cluster thread, in the order they were made (a connection's leave is never overtaken by its
 * later join), and what follows a call (a reply, the connection's next request) continues on the hub's worker
 * threads, never on the cluster thread. With the memory engines nothing waits: calls run in place.
 */
@ApplicationScoped
public class ClusterCalls implements Unproxied<ClusterCalls> {

    private static final Logger LOG = Logger.getLogger(ClusterCalls.class.getName());
    /** Calls waiting for the cluster thread; beyond it they fail at once (Redis is too slow to keep up). */
    static final int MAX_WAITING_CALLS = 100_000;

    @Inject
    ClusterConfig config;
    @Resource
    ManagedThreadFactory threadFactory;

    private ThreadPoolExecutor cluster;
    private ThreadPoolExecutor workers;

    @PostConstruct
    void start() {
        if (!config.redis()) {
            return;
        }
        cluster = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(MAX_WAITING_CALLS), named("wshub-cluster"));
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                named("wshub-worker"));
    }

    private java.util.concurrent.ThreadFactory named(String name) {
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        return task -> {
            Thread thread = threadFactory.newThread(task);
            thread.setName(name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** True when calls run in place (memory engines). */
    public boolean inline() {
        return cluster == null;
    }

    /**
     * Runs {@code call} in order with the node's other cluster calls; the result completes on a worker thread (or in
     * place with the memory engines). A call that throws completes the future exceptionally.
     */
    public <T> CompletableFuture<T> call(Supplier<T> call) {
        if (cluster == null) {
            try {
                return CompletableFuture.completedFuture(call.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            cluster.execute(() -> {
                T value;
                try {
                    value = call.get();
                } catch (RuntimeException | Error e) {
                    continueOnWorker(() -> result.completeExceptionally(e));
                    return;
                }
                continueOnWorker(() -> result.complete(value));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new io.wshub.cluster.ClusterUnavailableException(
                    "the cluster thread is too far behind (" + MAX_WAITING_CALLS + " calls waiting)"));
        }
        return result;
    }

    /**
     * The same result, continued on a worker thread: for stages that complete on a thread that must not run hub work
     * (the Redis subscriber's, say). In place with the memory engines.
     */
    public <T> CompletableFuture<T> onWorker(CompletableFuture<T> stage) {
        if (workers == null || stage.isDone()) {
            return stage;
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> continueOnWorker(() -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        }));
        return result;
    }

    /** Runs {@code task} on a worker thread (in place with the memory engines): for work a cluster thread must not do. */
    public void onWorker(Runnable task) {
        if (workers == null) {
            task.run();
        } else {
            continueOnWorker(task);
        }
    }

    /** Runs {@code call} in order with the others, for its effect only; failures are logged. */
    public void run(String what, Runnable call) {
        call(() -> {
            call.run();
            return null;
        }).whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.log(Level.FINE, what + " failed: {0}", failure.toString());
            }
        });
    }

    private void continueOnWorker(Runnable continuation) {
        try {
            workers.execute(continuation);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            continuation.run();
        }
    }

    /** Calls waiting for the cluster thread. */
    public int waiting() {
        return cluster == null ? 0 : cluster.getQueue().size();
    }

    /** Lets the calls already made finish (for at most {@code millis}), then stops the threads. */
    public void stop(long millis) {
        if (cluster == null) {
            return;
        }
        cluster.shutdown();
        try {
            cluster.awaitTermination(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        try {
            workers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cluster.shutdownNow();
        workers.shutdownNow();
    }
}
