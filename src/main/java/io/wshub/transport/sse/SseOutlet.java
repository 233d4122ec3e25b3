package io.wshub.transport.sse;

import io.wshub.hub.Connection;
import io.wshub.hub.Frame;
import io.wshub.hub.Outlet;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.sse.SseCodec;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A connection's events written to its SSE response with the Servlet's non-blocking output: no thread ever waits for
 * the socket. Each event gets the stream's {@link SseCursor} as its {@code id:}, as it stands after that event. The
 * hub's pings become comment heartbeats ({@code : heartbeat}), skipped while an event is being written anyway. SSE
 * has no close frame: a close is written as a last {@code close} {@code {code, reason}} event (after a
 * {@code session_kicked} {@code {reason}} for an admin kick, which a WebSocket client learns from its close frame
 * alone), then the response ends.
 * <p>
 * Writes take turns without a lock: the thread that holds the turn writes until the queue is empty or the container
 * cannot take more; the container's {@link #onWritePossible} then continues with the turn. Every write the client's
 * socket takes counts as the connection's activity (an SSE client never sends anything).
 */
final class SseOutlet implements Outlet, WriteListener, AsyncListener {

    private static final Logger LOG = Logger.getLogger(SseOutlet.class.getName());
    private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);
    /** Close code of {@code DELETE /api/clients/{id}} and {@code DELETE /api/users/{id}}. */
    private static final int ADMIN_KICK = 4002;
    private static final int WRITE = 0;
    private static final int FLUSH = 1;
    private static final int WRITTEN = 2;

    /** What waits to be written: an event, a heartbeat or the close. */
    private interface Pending {
    }

    private record Event(Frame frame, Done done) implements Pending {
    }

    private record Heartbeat(Done done) implements Pending {
    }

    private record Close(int code, String reason) implements Pending {
    }

    private final AsyncContext async;
    private final ServletOutputStream out;
    /** Changed only by the thread that holds the turn. */
    private final SseCursor cursor;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean turn = new AtomicBoolean();
    /** Set while the turn holder waits for the container's {@link #onWritePossible}. */
    private final AtomicBoolean awaitingWritable = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Connection connection;
    /** Set once a write failed: what follows fails at once. */
    private volatile Throwable broken;

    // owned by the turn
    private Pending current;
    private byte[] bytes;
    private int stage;

    SseOutlet(AsyncContext async, ServletOutputStream out, SseCursor cursor) {
        this.async = async;
        this.out = out;
        this.cursor = cursor;
    }

    /** The connection this outlet writes for: told of activity, and of a stream the container ended. */
    void attach(Connection attached) {
        connection = attached;
        if (ended.get()) {
            attached.transportClosed(1006, "stream ended");
        }
    }

    @Override
    public void write(Frame frame, Done done) {
        enqueue(new Event(frame, done));
    }

    @Override
    public void ping(Done done) {
        if (turn.get() || !queue.isEmpty()) {
            done.completed(null); // an event is on its way: no heartbeat needed
            return;
        }
        enqueue(new Heartbeat(done));
    }

    /**
     * Writes the close event after what is queued, then ends the response. The hub closes the transport of a
     * connection whose write is stuck (a client that reads nothing) after a while: then it ends at once.
     */
    @Override
    public void close(int code, String reason) {
        enqueue(new Close(code, reason));
        if (awaitingWritable.get()) {
            end();
        }
    }

    private void enqueue(Pending pending) {
        queue.offer(pending);
        if (turn.compareAndSet(false, true)) {
            run();
        }
    }

    /** Writes while this thread holds the turn; returns with it released, or handed to {@link #onWritePossible}. */
    private void run() {
        while (true) {
            if (current == null) {
                current = queue.poll();
                if (current == null) {
                    turn.set(false);
                    // something offered meanwhile found the turn taken: take it back unless its offerer did
                    if (queue.isEmpty() || !turn.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                if (broken != null) {
                    finish(broken);
                    continue;
                }
                bytes = render(current);
                stage = WRITE;
            }
            try {
                if (!writable()) {
                    return; // onWritePossible continues with the turn
                }
                if (stage == WRITE) {
                    out.write(bytes);
                    stage = FLUSH;
                } else if (stage == FLUSH) {
                    out.flush();
                    stage = WRITTEN;
                } else {
                    finish(null);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "SSE write failed: {0}", e.toString());
                broken = e;
                finish(e);
            }
        }
    }

    /**
     * Whether the container takes a write now; if not, it calls {@link #onWritePossible} once it does, which goes on
     * with the turn. A call of it that came meanwhile anyway (the container's first one) took the turn: then false.
     */
    private boolean writable() {
        awaitingWritable.set(true);
        return out.isReady() && awaitingWritable.compareAndSet(true, false);
    }

    /** The current item is done (written, or failed): its owner is told, with the turn still held. */
    private void finish(Throwable failure) {
        Pending done = current;
        current = null;
        bytes = null;
        Connection attached = connection;
        if (failure == null && attached != null) {
            attached.touch();
        }
        if (done instanceof Event event) {
            event.done().completed(failure);
        } else if (done instanceof Heartbeat heartbeat) {
            heartbeat.done().completed(failure);
        } else {
            end();
        }
    }

    private byte[] render(Pending pending) {
        if (pending instanceof Event event) {
            if (event.frame().roomPosition() != null) {
                cursor.advance(event.frame().roomPosition());
            }
            return withId(eventBytes(event.frame()));
        }
        if (pending instanceof Close close) {
            return withId(closeEvents(close).getBytes(StandardCharsets.UTF_8));
        }
        return HEARTBEAT;
    }

    /** The frame's UTF-8 bytes, made once for every SSE receiver of it. */
    private static byte[] eventBytes(Frame frame) {
        if (frame.wire() instanceof byte[] made) {
            return made;
        }
        byte[] made = frame.text().getBytes(StandardCharsets.UTF_8);
        frame.wire(made);
        return made;
    }

    private byte[] withId(byte[] block) {
        byte[] id = ("id: " + cursor.encoded() + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[id.length + block.length];
        System.arraycopy(id, 0, all, 0, id.length);
        System.arraycopy(block, 0, all, id.length, block.length);
        return all;
    }

    private static String closeEvents(Close close) {
        long now = System.currentTimeMillis();
        String kicked = close.code() == ADMIN_KICK ? SseCodec.INSTANCE.encode(new Outbound(0, "session_kicked",
                Json.object().add("reason", close.reason()).build().toString(), now, null)) : "";
        return kicked + SseCodec.INSTANCE.encode(new Outbound(0, "close", Json.object().add("code", close.code())
                .add("reason", close.reason()).build().toString(), now, null));
    }

    /** Ends the response; what the container still buffers is flushed by it. */
    private void end() {
        if (ended.compareAndSet(false, true)) {
            try {
                async.complete();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "ending an SSE response failed: {0}", e.toString());
            }
        }
    }

    // WriteListener

    @Override
    public void onWritePossible() {
        if (awaitingWritable.compareAndSet(true, false)) {
            run(); // the turn was held for this call
        } else if (!queue.isEmpty() && turn.compareAndSet(false, true)) {
            run();
        }
    }

    @Override
    public void onError(Throwable failure) {
        LOG.log(Level.FINE, "SSE stream failed: {0}", failure.toString());
        broken = failure;
        containerEnded();
    }

    // AsyncListener: the container ended the response (the client went, or the server stops)

    @Override
    public void onComplete(AsyncEvent event) {
        containerEnded();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        containerEnded();
    }

    @Override
    public void onError(AsyncEvent event) {
        broken = event.getThrowable() != null ? event.getThrowable() : new IOException("stream failed");
        containerEnded();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not restarted
    }

    private void containerEnded() {
        boolean first = ended.compareAndSet(false, true);
        Connection attached = connection;
        if (attached != null) {
            attached.transportClosed(1006, "stream ended"); // no-op when the hub closed it first
        }
        if (first && broken != null) {
            try {
                async.complete();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "ending a failed SSE response: {0}", e.toString());
            }
        }
        // the turn holder waiting for onWritePossible is told by the failure of its item: fail it now
        if (awaitingWritable.compareAndSet(true, false)) {
            if (broken == null) {
                broken = new IOException("stream ended");
            }
            finish(broken);
            run();
        }
    }
}
