package io.wshub.hub;

import io.wshub.auth.Permissions;
import io.wshub.limits.RateLimiter;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection and its outbound queue.
 * <p>
 * Sends are asynchronous and never block the caller: a frame is queued and the queue is pumped with at most one
 * frame in flight, which keeps per-connection order. The queue is bounded in frames and in characters; a connection
 * that cannot keep up is closed (1008 "slow consumer") instead of slowing its room down or growing without bound.
 */
public final class Connection {

    private static final Logger LOG = Logger.getLogger(Connection.class.getName());
    private static final int PENDING = 0;
    private static final int CALLER_RETURNED = 1;
    private static final int COMPLETED_INLINE = 2;
    /** How long a close waits for a stalled frame in flight before the session is dropped anyway. */
    static final long STALLED_CLOSE_MILLIS = 5000;
    /**
     * After a backed-up peer takes the frame in flight, how long it gets to drain the container's buffers before the
     * close frame is written: the container cancels whatever is still buffered when it closes.
     */
    static final long DRAIN_BEFORE_CLOSE_MILLIS = 2000;

    private final String id;
    private volatile ClientIdentity identity;
    /** When a client that connected without a token must have logged in (epoch ms, 0 = not waiting). */
    private volatile long loginDeadline;
    private final RateLimiter rateLimiter = new RateLimiter();
    /** False for a connection refused at open (a limit): it gets its error and close, but no events. */
    volatile boolean admitted = true;
    private final Session session;
    private final WireCodec codec;
    private final Hub hub;
    private final long connectedAt = System.currentTimeMillis();

    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private final AtomicLong queuedChars = new AtomicLong();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile CloseReason closeWhenFlushed;
    private volatile CloseReason closeReason;
    private final AtomicBoolean sessionCloseIssued = new AtomicBoolean();
    private volatile long lastSeen = connectedAt;
    private volatile long lastPing = connectedAt;

    Connection(String id, ClientIdentity identity, Session session, WireCodec codec, Hub hub) {
        this.id = id;
        this.identity = identity;
        this.session = session;
        this.codec = codec;
        this.hub = hub;
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

    public long connectedAt() {
        return connectedAt;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /** Closed, or closing once its last frames are written. */
    public boolean isClosing() {
        return closed.get() || closeWhenFlushed != null;
    }

    public WireCodec codec() {
        return codec;
    }

    /** Queues one message; false when the connection is closed or was just closed as a slow consumer. */
    public boolean send(Outbound message) {
        return enqueue(codec.encode(message));
    }

    /** Queues a message shared with other receivers, reusing its encoding. */
    public boolean send(Delivery delivery) {
        return enqueue(delivery.encodedFor(codec));
    }

    /** Any frame or pong from the client counts as activity. */
    public void touch() {
        lastSeen = System.currentTimeMillis();
    }

    long lastSeen() {
        return lastSeen;
    }

    /**
     * Closes now: queued frames are dropped and the hub forgets the connection at once, whatever the peer does. The
     * close frame itself waits for the frame in flight and a drain period (the container cancels pending writes when
     * it closes), so that a peer that was behind still reads why it was closed; a peer that reads nothing for
     * {@link #STALLED_CLOSE_MILLIS} is dropped.
     */
    public void close(int code, String reason) {
        if (closed.get()) {
            return;
        }
        // Published before the flag, so that a send completing concurrently that sees the flag also sees the reason.
        closeReason = new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason);
        if (closed.compareAndSet(false, true)) {
            queue.clear();
            hub.disconnected(this, code, reason);
            if (!sending.get()) {
                closeSession();
            } else {
                hub.scheduleClose(() -> {
                    if (sending.get()) {
                        closeSession();
                    }
                }, STALLED_CLOSE_MILLIS);
            }
        }
    }

    private void closeSession() {
        if (sessionCloseIssued.compareAndSet(false, true)) {
            hub.closeSession(session, closeReason);
        }
    }

    /** Closes after the frames already queued (an error frame explaining the close, say) have been written. */
    public void closeAfterFlush(int code, String reason) {
        closeWhenFlushed = new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason);
        pump();
    }

    /** The transport reports that the session is closed (by the peer, the container or us). */
    public void sessionClosed(CloseReason reason) {
        if (closed.compareAndSet(false, true)) {
            queue.clear();
            hub.disconnected(this, reason.getCloseCode().getCode(), reason.getReasonPhrase());
        }
    }

    void ping(long now) {
        if (now - lastPing < hub.config().pingIntervalMillis() || closed.get()) {
            return;
        }
        lastPing = now;
        try {
            session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
        } catch (Exception e) {
            LOG.log(Level.FINE, "ping to {0} failed: {1}", new Object[]{id, e});
        }
    }

    private boolean enqueue(String text) {
        if (closed.get()) {
            return false;
        }
        int frames = queuedFrames.incrementAndGet();
        long chars = queuedChars.addAndGet(text.length());
        if (frames > hub.config().sendQueueMaxFrames() || chars > hub.config().sendQueueMaxBytes()) {
            queuedFrames.decrementAndGet();
            queuedChars.addAndGet(-text.length());
            hub.slowConsumer(this);
            return false;
        }
        queue.offer(text);
        pump();
        return true;
    }

    /**
     * Writes queued frames, one in flight at a time. When the container completes a send inside the call (the usual
     * case when the socket is writable) the loop continues here instead of recursing from the completion handler.
     */
    private void pump() {
        while (true) {
            if (!sending.compareAndSet(false, true)) {
                return;
            }
            String next = closed.get() ? null : queue.poll();
            if (next == null) {
                sending.set(false);
                if (queue.isEmpty() || closed.get()) {
                    closeIfFlushed();
                    return;
                }
                continue;
            }
            InFlight flight = new InFlight(next.length());
            try {
                session.getAsyncRemote().sendText(next, flight);
            } catch (RuntimeException e) {
                flight.onResult(new SendResult(e));
            }
            if (flight.state.compareAndSet(PENDING, CALLER_RETURNED)) {
                return;
            }
        }
    }

    private void closeIfFlushed() {
        CloseReason reason = closeWhenFlushed;
        if (reason != null && queue.isEmpty() && !sending.get()) {
            close(reason.getCloseCode().getCode(), reason.getReasonPhrase());
        }
    }

    private final class InFlight implements SendHandler {
        final AtomicInteger state = new AtomicInteger(PENDING);
        final int length;

        InFlight(int length) {
            this.length = length;
        }

        @Override
        public void onResult(SendResult result) {
            queuedFrames.decrementAndGet();
            queuedChars.addAndGet(-length);
            if (result.isOK()) {
                hub.metrics().messageSent();
            } else if (!closed.get()) {
                LOG.log(Level.FINE, "send to {0} failed: {1}", new Object[]{id, result.getException()});
                close(1011, "send failed");
            }
            sending.set(false);
            if (closed.get() && closeReason != null) {
                if (state.get() == PENDING) {
                    closeSession(); // completed inside the send call: the socket was writable, nothing is buffered
                } else {
                    hub.scheduleClose(Connection.this::closeSession, DRAIN_BEFORE_CLOSE_MILLIS);
                }
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
