package io.wshub.hub;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** What a connection needs from a hub, for tests: limits, and a record of what happened to its connections. */
public final class TestHost implements Connection.Host, AutoCloseable {

    public record Departure(Connection connection, int code, String reason) {
    }

    private final int maxFrames;
    private final long maxChars;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    public final List<Departure> departures = new CopyOnWriteArrayList<>();
    public final AtomicInteger sent = new AtomicInteger();
    /** The size of every write that carried more than one frame. */
    public final List<Integer> batches = new CopyOnWriteArrayList<>();
    public final AtomicInteger slowConsumers = new AtomicInteger();
    private volatile Consumer<Connection> onDeparture = connection -> { };

    public TestHost(int maxFrames, long maxChars) {
        this.maxFrames = maxFrames;
        this.maxChars = maxChars;
    }

    /** What else must happen when a connection goes (rooms forgetting it, say). */
    public TestHost onDeparture(Consumer<Connection> departure) {
        this.onDeparture = departure;
        return this;
    }

    @Override
    public int maxQueuedFrames() {
        return maxFrames;
    }

    @Override
    public long maxQueuedChars() {
        return maxChars;
    }

    @Override
    public void sent(int frames) {
        sent.addAndGet(frames);
        if (frames > 1) {
            batches.add(frames);
        }
    }

    @Override
    public void slowConsumer(Connection connection) {
        slowConsumers.incrementAndGet();
        connection.close(1008, "slow consumer");
    }

    @Override
    public void disconnected(Connection connection, int code, String reason) {
        departures.add(new Departure(connection, code, reason));
        onDeparture.accept(connection);
    }

    @Override
    public void closeLater(Runnable close, long delayMillis) {
        timer.schedule(close, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
