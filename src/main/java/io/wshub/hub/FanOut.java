package io.wshub.hub;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes what a fan-out queued. A fan-out (a room message, a broadcast) first queues its frame on every receiver
 * ({@link Connection#queue}: cheap, and in order for each receiver), then hands the receivers here to have their
 * queues written. A few receivers are written on the caller's thread, as a single send would be. More are written in
 * slices of {@value #SLICE} on the fan-out lanes, threads of their own (one per processor by default), so that a large
 * room or a broadcast uses every core and its sender goes on with its next message at once; a receiver whose earlier
 * frames are still waiting for a lane when the next one is queued gets them all in one socket write
 * ({@link Outlet#write(List, Outlet.Done)}).
 * <p>
 * Guarantees: every receiver handed in is flushed, exactly as if the caller had flushed it (a flush finds what is
 * queued by then; a receiver already being written by another thread is left to that thread). Order per receiver is
 * the order of its queue. Back-pressure: at most {@value #WAITING_SLICES_PER_LANE} slices per lane wait; past that the
 * caller writes its slice itself, so a sender that outruns the sockets is slowed down, never buffered without
 * bound (each receiver's queue stays bounded as always). After {@link #stop} every fan-out is written on the caller's
 * thread.
 */
public final class FanOut {

    /** Receivers per lane task; a fan-out to at most this many is written on the caller's thread. */
    static final int SLICE = 256;
    static final int WAITING_SLICES_PER_LANE = 4;

    /** Writes every fan-out on the caller's thread. */
    public static final FanOut INLINE = new FanOut(0, Thread::new);

    private final ThreadPoolExecutor lanes;

    /** {@code lanes} threads from {@code threads}; 0 lanes: every fan-out is written on the caller's thread. */
    public FanOut(int lanes, ThreadFactory threads) {
        this.lanes = lanes <= 0 ? null : new ThreadPoolExecutor(lanes, lanes, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(lanes * WAITING_SLICES_PER_LANE), threads, (slice, full) -> slice.run());
    }

    /** Writes the receivers' queues (see the class comment); the list must not change afterwards. */
    public void flush(List<Connection> receivers) {
        int count = receivers.size();
        if (lanes == null || count <= SLICE || lanes.isShutdown()) {
            flushAll(receivers);
            return;
        }
        for (int from = 0; from < count; from += SLICE) {
            List<Connection> slice = receivers.subList(from, Math.min(count, from + SLICE));
            lanes.execute(() -> flushAll(slice)); // the rejection handler runs it here when the lanes are behind
        }
    }

    private static void flushAll(List<Connection> receivers) {
        for (Connection receiver : receivers) {
            receiver.flush();
        }
    }

    public int lanes() {
        return lanes == null ? 0 : lanes.getCorePoolSize();
    }

    /** Lets the lanes finish what they were given; later fan-outs are written on the caller's thread. */
    public void stop() {
        if (lanes != null) {
            lanes.shutdown();
            try {
                lanes.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
