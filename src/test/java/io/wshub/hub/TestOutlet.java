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

    /** How many frames one write may carry (1: no batches). */
    private final int maxBatch;
    /** The number of frames of each write, in order. */
    public final List<Integer> writes = new CopyOnWriteArrayList<>();

    public TestOutlet(Mode mode) {
        this(mode, 1);
    }

    public TestOutlet(Mode mode, int maxBatch) {
        this.mode = mode;
        this.maxBatch = maxBatch;
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public void write(Frame frame, Done done) {
        write(List.of(frame), done);
    }

    @Override
    public void write(List<Frame> frames, Done done) {
        if (frames.size() > maxBatch) {
            throw new AssertionError(frames.size() + " frames in one write, more than " + maxBatch);
        }
        maxInFlight.accumulateAndGet(currentlyInFlight.incrementAndGet(), Math::max);
        frames.forEach(frame -> written.add(frame.text()));
        writes.add(frames.size());
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
