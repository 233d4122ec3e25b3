package io.wshub.hub;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.limits.RateLimiter;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.UnaryOperator;

/**
 * One client connection: who it acts as, the rooms it is in on this node, its requests and its outbound queue.
 * <p>
 * Sends never block the caller: a frame is queued and the queue is pumped with at most one write in flight (a frame,
 * or the frames that waited together), which keeps per-connection order. The queue is bounded in frames and in
 * characters; a connection that cannot keep up is closed (1008 "slow consumer") instead of slowing its room down or
 * growing without bound.
 * <p>
 * Closing: the first close decided wins, whoever decides it (the server, the peer, a failed send). Its code and
 * reason are the ones the client reads and the hub reports; any later close only hurries it along.
 */
public final class Connection {

    /** What a connection needs from its hub; the hub implements it, tests may too. */
    public interface Host {
        int maxQueuedFrames();

        long maxQueuedChars();

        /** {@code frames} frames were written, in one write (more than one: they had waited together). */
        void sent(int frames);

        /** The queue overflowed; the host counts it and closes the connection. */
        void slowConsumer(Connection connection);

        /** The connection is closed: forget it (called exactly once, before the transport is closed). */
        void disconnected(Connection connection, int code, String reason);

        /** Runs a transport close off the caller's thread (it may wait for the socket), after {@code delayMillis}. */
        void closeLater(Runnable close, long delayMillis);

        /** Runs a task off the caller's thread (a write completion must not do a sender's work). */
        default void runLater(Runnable task) {
            closeLater(task, 0);
        }
    }

    /** How long a close waits for a stalled frame in flight before the transport is closed anyway. */
    static final long STALLED_CLOSE_MILLIS = 5000;
    /**
     * After a backed-up peer takes the frame in flight, how long it gets to drain the container's buffers before the
     * close frame is written: the container cancels whatever is still buffered when it closes.
     */
    public static final long DRAIN_BEFORE_CLOSE_MILLIS = 2000;
    /** When the first ping goes out after the connect (see {@link #ping}). */
    static final long FIRST_PING_MILLIS = 1000;
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Connection, Set> ROOMS =
            AtomicReferenceFieldUpdater.newUpdater(Connection.class, Set.class, "rooms");
    /**
     * About the most characters one batched write carries (it stops adding frames once past it): frames that waited
     * together go out in one system call, and a peer that fell behind catches up in 32 KB writes.
     */
    static final int MAX_BATCH_CHARS = 32 * 1024;
    /** Requests a client may pipeline behind one that waits for an answer (a join waiting for Redis, say). */
    static final int MAX_WAITING_REQUESTS = 1024;

    private final String id;
    private final Outlet outlet;
    private final WireCodec codec;
    private final Host host;
    private final long connectedAt = System.currentTimeMillis();
    private volatile ClientIdentity identity;
    /** When a client that connected without a token must have logged in (epoch ms, 0 = not waiting). */
    private volatile long loginDeadline;
    private final RateLimiter rateLimiter = new RateLimiter();
    private final RequestQueue requests = new RequestQueue(MAX_WAITING_REQUESTS);
    /** Immutable, replaced whole: one shared empty set or a small array set costs less than a concurrent set. */
    private volatile Set<String> rooms = Set.of();
    /** Set once admitted: only then does it count, receive and raise events. */
    private volatile boolean admitted;
    private volatile long lastSeen = connectedAt;
    /** Written by the sweeper thread only. */
    private long lastPing;
    private boolean pinged;

    // The counters, flags and references below are volatile fields changed atomically through the handles after
    // them, not Atomic* objects: seven fewer objects (about 150 bytes) per connection, 19,000 of them held idle.
    private final ConcurrentLinkedQueue<Frame> queue = new ConcurrentLinkedQueue<>();
    private volatile int queuedFrames;
    private volatile long queuedChars;
    private volatile boolean sending;
    /** When the frame in flight was handed to the outlet (epoch ms), 0 when none is. */
    private volatile long inFlightSince;
    /** The first close decided: its code and reason are final. */
    private volatile Closing closing;
    /** Set when the connection is closed for the hub (the transport may still be flushing or closing). */
    private volatile boolean closed;
    private volatile boolean outletClosed;
    /** Who waits for the queue to drain (a replay feeding the connection at its pace); null for nobody. */
    private volatile Runnable drainWaiter;
    private static final VarHandle QUEUED_FRAMES = handle("queuedFrames", int.class);
    private static final VarHandle QUEUED_CHARS = handle("queuedChars", long.class);
    private static final VarHandle SENDING = handle("sending", boolean.class);
    private static final VarHandle CLOSING = handle("closing", Closing.class);
    private static final VarHandle CLOSED = handle("closed", boolean.class);
    private static final VarHandle OUTLET_CLOSED = handle("outletClosed", boolean.class);
    private static final VarHandle DRAIN_WAITER = handle("drainWaiter", Runnable.class);

    private static VarHandle handle(String field, Class<?> type) {
        try {
            return MethodHandles.lookup().findVarHandle(Connection.class, field, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A close decision: {@code afterFlush} when it waits for the frames already queued. */
    private record Closing(int code, String reason, boolean afterFlush) {
    }

    public Connection(String id, ClientIdentity identity, Outlet outlet, WireCodec codec, Host host) {
        this.id = id;
        this.identity = identity;
        this.outlet = outlet;
        this.codec = codec;
        this.host = host;
    }

    public String id() {
        return id;
    }

    public String userId() {
        return identity.userId();
    }

    public ClientIdentity identity() {
        return identity;
    }

    /** Changed only by the hub, which keeps its user index in step. */
    void identity(ClientIdentity changed) {
        identity = changed;
    }

    public long loginDeadline() {
        return loginDeadline;
    }

    void loginDeadline(long deadline) {
        loginDeadline = deadline;
    }

    /** What this connection may do; handlers check it before acting (error 2001). */
    public Permissions permissions() {
        return identity.permissions();
    }

    public RateLimiter rateLimiter() {
        return rateLimiter;
    }

    /** The connection's requests, in order; held until it is admitted. */
    public RequestQueue requests() {
        return requests;
    }

    /** The ids of the rooms this connection is in; changed only by the room registry. */
    public Set<String> rooms() {
        return rooms;
    }

    public boolean addRoom(String roomId) {
        return changeRooms(now -> ImmutableSets.with(now, roomId));
    }

    public boolean removeRoom(String roomId) {
        return changeRooms(now -> ImmutableSets.without(now, roomId));
    }

    /** Replaces the rooms with what {@code change} makes of them; false when it made no change. */
    private boolean changeRooms(UnaryOperator<Set<String>> change) {
        while (true) {
            Set<String> now = rooms;
            Set<String> next = change.apply(now);
            if (next == now) {
                return false;
            }
            if (ROOMS.compareAndSet(this, now, next)) {
                return true;
            }
        }
    }

    public long connectedAt() {
        return connectedAt;
    }

    public boolean isAdmitted() {
        return admitted;
    }

    void admitted() {
        // Idleness counts from here: a connection that waited for the directory (a cluster busy with a connect storm)
        // was not idle, and had no ping to answer yet.
        lastSeen = System.currentTimeMillis();
        admitted = true;
    }

    /** Not closed, and no close decided. */
    public boolean isOpen() {
        return closing == null;
    }

    /** Closed for the hub: forgotten, no more frames queued. */
    public boolean isClosed() {
        return closed;
    }

    public WireCodec codec() {
        return codec;
    }

    /**
     * Queues one message; false when the connection is closing, or was just closed as a slow consumer.
     *
     * @throws Frame.UnencodableException if the message cannot be written as UTF-8; nothing is queued
     */
    public boolean send(Outbound message) {
        return written(queue(message, null));
    }

    /** In this connection's own codec, which maps the ids of the requests it answers. */
    private boolean queue(Outbound message, RoomPosition position) {
        String text = codec.encode(message);
        return text == null || queue(Frame.of(text, position)); // null: the codec holds it back (a batch answer, say)
    }

    /** Queues a message shared with other receivers, reusing its frame (one per wire format). */
    public boolean send(Delivery delivery) {
        return written(queue(delivery));
    }

    /**
     * Queues a shared message without starting to write it: the caller has {@link #flush} called next, here or on
     * another thread ({@link FanOut} writes many receivers' queues in lanes). Frames queued meanwhile by anyone go out
     * with it, in order. False as for {@link #send(Delivery)}.
     */
    public boolean queue(Delivery delivery) {
        if (delivery.message().requestId() != null) {
            // an answer, keeping the delivery's room position (an SSE stream's cursor learns a room's epoch from it)
            return queue(delivery.message(), delivery.roomPosition());
        }
        Frame frame = delivery.frameFor(codec.shared());
        return frame != null && queue(frame);
    }

    /** Writes what is queued (see {@link #queue(Delivery)}); does nothing when another thread is writing it. */
    public void flush() {
        pump();
    }

    /** Any frame or pong from the client counts as activity. */
    public void touch() {
        lastSeen = System.currentTimeMillis();
    }

    long lastSeen() {
        return lastSeen;
    }

    /** Epoch ms since which a frame has been in flight, 0 when none is. */
    long inFlightSince() {
        return inFlightSince;
    }

    public int queuedFrames() {
        return queuedFrames;
    }

    public long queuedChars() {
        return queuedChars;
    }

    /** Whether the queue has room for a quarter of its bound: a feeder may go on without nearing the limit. */
    public boolean hasRoom() {
        return queuedFrames <= host.maxQueuedFrames() / 4 && queuedChars <= host.maxQueuedChars() / 4;
    }

    /**
     * Runs {@code next} (off the caller's thread) once the queue {@link #hasRoom has room}: at once if it has now. A
     * connection that closes first never runs it. One waiter at a time.
     */
    public void whenDrained(Runnable next) {
        drainWaiter = next;
        if (hasRoom() || closing != null) {
            releaseDrainWaiter();
        }
    }

    private void releaseDrainWaiter() {
        if (closing != null && !closing.afterFlush()) {
            drainWaiter = null;
            return;
        }
        Runnable waiter = (Runnable) DRAIN_WAITER.getAndSet(this, null);
        if (waiter != null) {
            host.runLater(waiter);
        }
    }

    /**
     * Closes now: queued frames are dropped and the hub forgets the connection at once, whatever the peer does. The
     * close frame waits for the frame in flight and a drain period (the container cancels pending writes when it
     * closes), so that a peer that was behind still reads why it was closed; a peer that reads nothing for
     * {@link #STALLED_CLOSE_MILLIS} is dropped. If a close was decided before, its code and reason are used.
     */
    public void close(int code, String reason) {
        CLOSING.compareAndSet(this, null, new Closing(code, reason, false));
        closeNow();
    }

    /**
     * Closes after the frames already queued (an error frame explaining the close, say) have been written. Frames
     * queued after this call are dropped. Ignored when a close was decided already.
     */
    public void closeAfterFlush(int code, String reason) {
        if (CLOSING.compareAndSet(this, null, new Closing(code, reason, true))) {
            pump();
        }
    }

    /** The transport reports that the session is closed (by the peer, the container or us). */
    public void transportClosed(int code, String reason) {
        CLOSING.compareAndSet(this, null, new Closing(code, reason, false));
        outletClosed = true;
        closeNow();
    }

    /** The code and reason the connection was closed with, or null while it is open. */
    public String closeReason() {
        Closing decided = closing;
        return decided == null ? null : decided.code() + " " + decided.reason();
    }

    private void closeNow() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        Closing decided = closing;
        requests.drop();
        discardQueued();
        host.disconnected(this, decided.code(), decided.reason());
        if (!sending) {
            closeOutlet(0);
        }
        // whatever the frame in flight does, the transport is closed by then
        closeOutlet(STALLED_CLOSE_MILLIS);
    }

    /** Frames queued behind a close are dropped, and no longer count. */
    private void discardQueued() {
        Frame dropped;
        while ((dropped = queue.poll()) != null) {
            QUEUED_FRAMES.getAndAdd(this, -1);
            QUEUED_CHARS.getAndAdd(this, (long) -dropped.length());
        }
    }

    private void closeOutlet(long delayMillis) {
        if (!outletClosed) {
            host.closeLater(this::closeOutletNow, delayMillis);
        }
    }

    /** The transport is closed (or its close was started). */
    public boolean isTransportClosed() {
        return outletClosed;
    }

    /** Closes the transport now, on the caller's thread, with the decided close (1006 if none was decided). */
    public void closeTransportNow() {
        CLOSING.compareAndSet(this, null, new Closing(1006, "closed", false));
        closeOutletNow();
    }

    private void closeOutletNow() {
        if (OUTLET_CLOSED.compareAndSet(this, false, true)) {
            Closing decided = closing;
            outlet.close(decided.code(), decided.reason());
        }
    }

    /**
     * A WebSocket ping, at most once per {@code intervalMillis}; the first one {@link #FIRST_PING_MILLIS} after the
     * connect. A client that left during the upgrade is never reported closed by the container, and the first write
     * after its reset fails: the early ping ends its connection within seconds, not a ping interval later.
     */
    void ping(long now, long intervalMillis) {
        long due = pinged ? lastPing + intervalMillis : connectedAt + Math.min(intervalMillis, FIRST_PING_MILLIS);
        if (now < due || !isOpen()) {
            return;
        }
        pinged = true;
        lastPing = now;
        try {
            outlet.ping(this::pingFailed);
        } catch (RuntimeException | Error e) {
            pingFailed(e);
        }
    }

    /** A ping that cannot be written means a peer that is gone: the connection is closed off the caller's thread. */
    private void pingFailed(Throwable failure) {
        if (failure != null && CLOSING.compareAndSet(this, null, new Closing(1001, "connection lost", false))) {
            host.closeLater(this::closeNow, 0);
        }
    }

    /** Starts writing what was just queued, if it was. */
    private boolean written(boolean queued) {
        if (queued) {
            pump();
        }
        return queued;
    }

    private boolean queue(Frame frame) {
        Closing decided = closing;
        if (decided != null) {
            return false;
        }
        int frames = (int) QUEUED_FRAMES.getAndAdd(this, 1) + 1;
        long chars = (long) QUEUED_CHARS.getAndAdd(this, (long) frame.length()) + frame.length();
        if (frames > host.maxQueuedFrames() || chars > host.maxQueuedChars()) {
            QUEUED_FRAMES.getAndAdd(this, -1);
            QUEUED_CHARS.getAndAdd(this, (long) -frame.length());
            host.slowConsumer(this);
            return false;
        }
        queue.offer(frame);
        return true;
    }

    /**
     * Writes queued frames, one write in flight at a time: one frame, or, when the outlet takes batches, every frame
     * that waited (up to its limit) in one write. When the outlet completes a write inside the call (the usual case
     * when the socket is writable) the loop continues here instead of recursing from the completion.
     */
    private void pump() {
        while (true) {
            if (!SENDING.compareAndSet(this, false, true)) {
                return;
            }
            if (closed || closingNow()) {
                discardQueued();
                sending = false;
                if (closed) {
                    closeOutlet(0); // nothing is in flight: this thread holds the send turn
                }
                return;
            }
            Frame next = queue.poll();
            if (next == null) {
                sending = false;
                if (closed) {
                    continue; // closed meanwhile: take the turn again to finish the close
                }
                if (queue.isEmpty()) {
                    closeIfFlushed();
                    if (queue.isEmpty()) {
                        return;
                    }
                }
                continue;
            }
            int most = outlet.maxBatch();
            List<Frame> batch = most > 1 ? batchAfter(next, most) : null;
            InFlight flight = batch == null ? new InFlight(next.length(), 1) : new InFlight(length(batch), batch.size());
            inFlightSince = System.currentTimeMillis();
            try {
                if (batch == null) {
                    outlet.write(next, flight);
                } else {
                    outlet.write(batch, flight);
                }
            } catch (RuntimeException | Error e) {
                // Tyrus throws an Error for text it cannot encode and never reports back: no send may stay stuck
                flight.completed(e);
                if (e instanceof VirtualMachineError fatal) {
                    throw fatal;
                }
            }
            if (flight.state.compareAndSet(InFlight.PENDING, InFlight.CALLER_RETURNED)) {
                return;
            }
        }
    }

    /**
     * {@code first} and the frames queued behind it, up to {@code most} frames or about {@link #MAX_BATCH_CHARS}
     * characters; null when nothing is queued behind it or {@code first} is that large alone. Polled, never peeked: a
     * close may empty the queue meanwhile.
     */
    private List<Frame> batchAfter(Frame first, int most) {
        Frame second = first.length() < MAX_BATCH_CHARS ? queue.poll() : null;
        if (second == null) {
            return null;
        }
        List<Frame> batch = new ArrayList<>(Math.min(most, 8));
        batch.add(first);
        batch.add(second);
        int chars = first.length() + second.length();
        Frame more;
        while (batch.size() < most && chars < MAX_BATCH_CHARS && (more = queue.poll()) != null) {
            batch.add(more);
            chars += more.length();
        }
        return batch;
    }

    private static int length(List<Frame> frames) {
        int chars = 0;
        for (Frame frame : frames) {
            chars += frame.length();
        }
        return chars;
    }

    /** A close was decided that does not wait for the queue (a failed send, say): nothing more is written. */
    private boolean closingNow() {
        Closing decided = closing;
        return decided != null && !decided.afterFlush();
    }

    private void closeIfFlushed() {
        Closing decided = closing;
        if (decided != null && decided.afterFlush() && queue.isEmpty() && !sending) {
            closeNow();
        }
    }

    private final class InFlight implements Outlet.Done {
        static final int PENDING = 0;
        static final int CALLER_RETURNED = 1;
        static final int COMPLETED_INLINE = 2;

        final AtomicInteger state = new AtomicInteger(PENDING);
        final AtomicBoolean done = new AtomicBoolean();
        final int length;
        final int frames;

        InFlight(int length, int frames) {
            this.length = length;
            this.frames = frames;
        }

        @Override
        public void completed(Throwable failure) {
            if (!done.compareAndSet(false, true)) {
                return; // a transport that reports twice must not unbalance the counts
            }
            QUEUED_FRAMES.getAndAdd(Connection.this, -frames);
            QUEUED_CHARS.getAndAdd(Connection.this, (long) -length);
            inFlightSince = 0;
            if (drainWaiter != null && hasRoom()) {
                releaseDrainWaiter();
            }
            if (failure == null) {
                host.sent(frames);
            } else if (CLOSING.compareAndSet(Connection.this, null, new Closing(1011, "send failed", false))) {
                // The container may report inside its writer's lock: the close, and what it sets off (departure,
                // events, sends to other connections), runs on the hub's thread, never here.
                host.closeLater(Connection.this::closeNow, 0);
            }
            sending = false;
            if (closed) {
                discardQueued();
                // completed inside the write call: the socket was writable, nothing is buffered
                closeOutlet(state.get() == PENDING ? 0 : DRAIN_BEFORE_CLOSE_MILLIS);
                return;
            }
            if (!state.compareAndSet(PENDING, COMPLETED_INLINE)) {
                pump();
            }
        }
    }

    @Override
    public String toString() {
        return "Connection[" + id + ", user " + userId() + "]";
    }
}
