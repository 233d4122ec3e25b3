package io.wshub.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport for tests of the send path: it records what is written and when the connection is closed. In
 * {@link Mode#INLINE} every write completes inside the call (a writable socket); in {@link Mode#MANUAL} writes stay in
 * flight until the test completes them (a peer that is behind).
 */
public final class TestOutlet implements Outlet {

    public enum Mode { INLINE, MANUAL }

    public record Close(int code, String reason) {
    }

    private final Mode mode;
    public final List<String> written = new CopyOnWriteArrayList<>();
    public final ConcurrentLinkedQueue<Done> inFlight = new ConcurrentLinkedQueue<>();
    public final List<Close> closes = new CopyOnWriteArrayList<>();
    public final AtomicInteger pings = new AtomicInteger();
    /** What pings fail with; null: they are written. */
    public volatile Throwable pingFailure;
    /** The most writes ever in flight at once: the queue promises one. */
    public final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger currentlyInFlight = new AtomicInteger();

    public TestOutlet(Mode mode) {
        this.mode = mode;
    }

    @Override
    public void write(Frame frame, Done done) {
        maxInFlight.accumulateAndGet(currentlyInFlight.incrementAndGet(), Math::max);
        written.add(frame.text());
        Done tracked = failure -> {
            currentlyInFlight.decrementAndGet();
            done.completed(failure);
        };
        if (mode == Mode.INLINE) {
            tracked.completed(null);
        } else {
            inFlight.add(tracked);
        }
    }

    /** Completes the oldest write in flight (null: success); false when none is in flight. */
    public boolean complete(Throwable failure) {
        Done done = inFlight.poll();
        if (done == null) {
            return false;
        }
        done.completed(failure);
        return true;
    }

    @Override
    public void ping(Done done) {
        pings.incrementAndGet();
        done.completed(pingFailure);
    }

    @Override
    public void close(int code, String reason) {
        closes.add(new Close(code, reason));
    }

    public List<String> writtenCopy() {
        return new ArrayList<>(written);
    }
}
