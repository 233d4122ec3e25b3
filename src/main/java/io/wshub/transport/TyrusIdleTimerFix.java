package io.wshub.transport;

import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Works around Tyrus's per-message idle timer (see docs/benchmarks.md and shared/payara-performance.md).
 * <p>
 * Tyrus 2.1 ({@code TyrusSession.restartIdleTimeoutExecutor}) schedules a task on the session's
 * {@code ScheduledExecutorService} for every frame sent or received, with delay 0 when no idle timeout is set. In
 * Payara that executor is the default ManagedScheduledExecutorService, which captures the application context for
 * each task: about two thirds of the server's CPU per small message. The hub does its own idle detection (one sweep
 * for all connections), so the session's idle timeout stays 0 and each of these tasks is a no-op. This class puts a
 * scheduler into the session's private {@code service} field that runs zero-delay tasks in place and hands delayed
 * ones to the hub's plain scheduler.
 * <p>
 * A session takes its scheduler from the container when Tyrus constructs it, and schedules the first such task right
 * there (its constructor sets the idle timeout), before any endpoint code runs: about 10% of a connect's CPU went to
 * that one task capturing the context (a ServiceLoader scan). So the first session also puts the replacement into its
 * container ({@code BaseContainer.managedScheduledExecutorService}, which only hands schedulers to sessions and times
 * them out), and every later session is born with it; {@link #bornWithFix()} counts those.
 * <p>
 * Switch: {@code wshub.tyrus.idle-timer-fix} (default true). If Tyrus changes so that the field is gone, the fix
 * logs SEVERE once, readiness reports it, and the integration test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class TyrusIdleTimerFix {

    private static final Logger LOG = Logger.getLogger(TyrusIdleTimerFix.class.getName());
    static final String FIELD = "service";
    static final String CONTAINER_FIELD = "managedScheduledExecutorService";

    @Inject
    HubConfig config;
    @Inject
    HubScheduler scheduler;

    private InPlaceZeroDelayScheduler replacement;
    private volatile Field serviceField;
    private volatile Object fixedContainer;
    private final LongAdder bornWithFix = new LongAdder();
    /** The switch is read when asked: the configuration is injected after construction. */
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.tyrus.idle-timer-fix",
            "The Tyrus idle-timer fix cannot be applied (Tyrus changed?); every message now costs a managed-executor "
                    + "task", "applied to", () -> config.tyrusIdleTimerFix());

    @PostConstruct
    void init() {
        replacement = new InPlaceZeroDelayScheduler(scheduler.executor());
    }

    /** Installs the replacement scheduler into one session; never throws. */
    public void apply(Session session) {
        if (!shortcut.usable()) {
            return;
        }
        try {
            Field field = field(session);
            if (field.get(session) == replacement) {
                bornWithFix.increment();
            } else {
                field.set(session, replacement);
            }
            fixContainer(session.getContainer());
            shortcut.used();
        } catch (ReflectiveOperationException | RuntimeException e) {
            shortcut.failed(e);
        }
    }

    /** True when the session's scheduler is this fix's replacement. */
    public boolean isApplied(Session session) {
        try {
            return field(session).get(session) == replacement;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** "disabled", "failed: ...", "applied to N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /** Sessions that Tyrus constructed with the replacement already (all but those before the first one). */
    public long bornWithFix() {
        return bornWithFix.sum();
    }

    /** Once per container: the scheduler it gives the sessions it constructs becomes the replacement. */
    private void fixContainer(Object container) throws ReflectiveOperationException {
        if (container == fixedContainer) {
            return;
        }
        synchronized (this) {
            if (container == fixedContainer) {
                return;
            }
            Field field = ContainerShortcut.field(container.getClass(), CONTAINER_FIELD);
            if (field.getType() != ScheduledExecutorService.class) {
                throw new NoSuchFieldException(container.getClass().getName() + "." + CONTAINER_FIELD + " is a "
                        + field.getType().getName());
            }
            field.set(container, replacement);
            fixedContainer = container;
        }
    }

    private Field field(Session session) throws NoSuchFieldException {
        Field field = serviceField;
        if (field != null) {
            return field;
        }
        field = ContainerShortcut.field(ContainerShortcut.tyrusSession(session), FIELD);
        if (field.getType() != ScheduledExecutorService.class) {
            throw new NoSuchFieldException(ContainerShortcut.TYRUS_SESSION + "." + FIELD + " is a "
                    + field.getType().getName());
        }
        serviceField = field;
        return field;
    }

    /**
     * Runs zero-delay one-shot tasks in the caller's thread (Tyrus's idle check with no timeout does nothing) and
     * delegates everything else. Shutdown requests are ignored: the delegate belongs to the hub, not to a session.
     */
    static final class InPlaceZeroDelayScheduler implements ScheduledExecutorService {

        private final ScheduledExecutorService delegate;

        InPlaceZeroDelayScheduler(ScheduledExecutorService delegate) {
            this.delegate = delegate;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            if (delay <= 0) {
                command.run();
                return Done.INSTANCE;
            }
            return delegate.schedule(command, delay, unit);
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return delegate.schedule(callable, delay, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
                                                      TimeUnit unit) {
            return delegate.scheduleAtFixedRate(command, initialDelay, period, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                         TimeUnit unit) {
            return delegate.scheduleWithFixedDelay(command, initialDelay, delay, unit);
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return delegate.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return delegate.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }

        @Override
        public <T> Future<T> submit(Callable<T> task) {
            return delegate.submit(task);
        }

        @Override
        public <T> Future<T> submit(Runnable task, T result) {
            return delegate.submit(task, result);
        }

        @Override
        public Future<?> submit(Runnable task) {
            return delegate.submit(task);
        }

        @Override
        public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
            return delegate.invokeAll(tasks);
        }

        @Override
        public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
                throws InterruptedException {
            return delegate.invokeAll(tasks, timeout, unit);
        }

        @Override
        public <T> T invokeAny(Collection<? extends Callable<T>> tasks)
                throws InterruptedException, ExecutionException {
            return delegate.invokeAny(tasks);
        }

        @Override
        public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
                throws InterruptedException, ExecutionException, TimeoutException {
            return delegate.invokeAny(tasks, timeout, unit);
        }

        @Override
        public void execute(Runnable command) {
            delegate.execute(command);
        }
    }

    /** The future of a task that already ran. */
    private static final class Done implements ScheduledFuture<Object> {
        static final Done INSTANCE = new Done();

        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(0, other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
