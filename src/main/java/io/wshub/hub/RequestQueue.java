package io.wshub.hub;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one connection's requests one at a time, in the order they arrived, without a lock and without ever blocking
 * a thread: a request whose answer comes later (it waits for Redis, say) holds the ones behind it until it completes,
 * and the thread that completes it runs them. A new connection starts held until it is admitted; a refused one drops
 * everything.
 * <p>
 * Memory visibility: whatever one request did is seen by the next, whichever thread runs it, because each hand-over
 * goes through the state's compare-and-set.
 */
public final class RequestQueue {

    private static final Logger LOG = Logger.getLogger(RequestQueue.class.getName());
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int HELD = 2;
    private static final int DROPPED = 3;

    /** One request; returns null when it is done, or a stage that completes when it is. */
    @FunctionalInterface
    public interface Task {
        CompletionStage<?> run();
    }

    private final int maxWaiting;
    private final ConcurrentLinkedQueue<Task> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger state = new AtomicInteger(HELD);

    public RequestQueue(int maxWaiting) {
        this.maxWaiting = maxWaiting;
    }

    /**
     * Runs the task now, or after those before it. Returns false, running nothing, when {@code maxWaiting} tasks are
     * waiting already or the connection was refused.
     */
    public boolean submit(Task task) {
        if (state.get() == DROPPED) {
            return false;
        }
        if (size.incrementAndGet() > maxWaiting) {
            size.decrementAndGet();
            return false;
        }
        waiting.offer(task);
        if (state.compareAndSet(IDLE, RUNNING)) {
            drain();
        }
        return true;
    }

    /** The connection was admitted: what waited runs now, on the caller's thread. */
    public void release() {
        if (state.compareAndSet(HELD, RUNNING)) {
            drain();
        }
    }

    /** The connection was refused or closed: nothing that waits, or comes, runs. */
    public void drop() {
        state.set(DROPPED);
        waiting.clear();
        size.set(0);
    }

    public boolean isDropped() {
        return state.get() == DROPPED;
    }

    public int waiting() {
        return size.get();
    }

    /** Runs tasks while this thread owns the queue (state RUNNING). */
    private void drain() {
        while (true) {
            Task task = waiting.poll();
            if (task == null) {
                if (!state.compareAndSet(RUNNING, IDLE)) {
                    return; // dropped meanwhile
                }
                // a task offered between the poll and the release finds the queue idle and runs itself, unless we win
                if (waiting.isEmpty() || !state.compareAndSet(IDLE, RUNNING)) {
                    return;
                }
                continue;
            }
            size.decrementAndGet();
            if (state.get() == DROPPED) {
                return;
            }
            CompletableFuture<?> pending = null;
            try {
                CompletionStage<?> stage = task.run();
                pending = stage == null ? null : stage.toCompletableFuture();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "a request task failed", e);
            }
            if (pending != null && !pending.isDone()) {
                pending.whenComplete((result, failure) -> drain()); // still RUNNING: this queue waits for it
                return;
            }
        }
    }
}
