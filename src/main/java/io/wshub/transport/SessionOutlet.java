package io.wshub.transport;

import io.wshub.hub.Frame;
import io.wshub.hub.Outlet;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A connection's frames written to its Jakarta WebSocket session, asynchronously.
 * <p>
 * Tyrus ignores a close requested while the session is still opening (inside {@code @OnOpen}, where a connection
 * refused at once is closed); such a close is held until the endpoint reports the session {@link #opened}.
 */
final class SessionOutlet implements Outlet {

    private static final Logger LOG = Logger.getLogger(SessionOutlet.class.getName());
    private static final ByteBuffer NO_PAYLOAD = ByteBuffer.allocate(0);
    /** FIN, ping, no payload: never masked from a server. */
    private static final byte[] PING_FRAME = {(byte) 0x89, 0};
    private static final int OPENING = 0;
    private static final int OPEN = 1;
    /** Frames per batched write; the connection also stops at about 32 K characters. */
    private static final int MAX_BATCH = 64;

    private final Session session;
    /** How data frames are written: straight to Grizzly, raw through Tyrus, or (null) Tyrus's sendText. */
    private final FrameSender data;
    /**
     * The first frame goes through Tyrus, which flushes the container's output after it: the 101 response is then
     * on the wire before anything written straight to the socket's queue. (One frame is in flight at a time.)
     */
    private volatile boolean firstWritten;
    /** How pings are written: raw through Tyrus, or (null) Tyrus's sendPing. */
    private final FrameSender raw;
    /** Whether frames that waited together are written as one: only straight to Grizzly, once the 101 is out. */
    private final boolean batches;
    private final AtomicInteger state = new AtomicInteger(OPENING);
    private volatile CloseReason heldClose;
    private final LingeringClose lingeringClose;

    SessionOutlet(Session session, FrameSender direct, FrameSender raw, LingeringClose lingeringClose) {
        this.session = session;
        this.batches = direct != null;
        this.data = direct != null ? direct : raw;
        this.raw = raw;
        this.lingeringClose = lingeringClose;
    }

    /** May complete inline; throws what the container throws (the connection treats it as a failed send). */
    @Override
    public void write(Frame frame, Done done) {
        boolean first = !firstWritten;
        FrameSender sender = first ? raw : data; // the first frame goes through Tyrus, raw or as text
        if (sender == null) {
            session.getAsyncRemote().sendText(frame.text(), result -> {
                firstWritten = true;
                done.completed(result.isOK() ? null : result.getException());
            });
            return;
        }
        byte[] bytes = framed(frame);
        if (first) {
            sender.send(bytes, failure -> {
                firstWritten = true;
                done.completed(failure);
            });
        } else {
            sender.send(bytes, done);
        }
    }

    @Override
    public int maxBatch() {
        return batches && firstWritten ? MAX_BATCH : 1;
    }

    /** The frames' bytes, one after the other, in one write to the socket's queue. */
    @Override
    public void write(List<Frame> frames, Done done) {
        byte[][] each = new byte[frames.size()][];
        int size = 0;
        for (int i = 0; i < each.length; i++) {
            each[i] = framed(frames.get(i));
            size += each[i].length;
        }
        byte[] bytes = new byte[size];
        int at = 0;
        for (byte[] one : each) {
            System.arraycopy(one, 0, bytes, at, one.length);
            at += one.length;
        }
        data.send(bytes, done);
    }

    /** The frame's WebSocket bytes, made once for all its receivers. */
    private static byte[] framed(Frame frame) {
        if (frame.wire() instanceof byte[] framed) {
            return framed;
        }
        byte[] bytes = TyrusRawFrames.textFrame(frame.text());
        frame.wire(bytes); // every receiver of this frame writes the same bytes
        return bytes;
    }

    @Override
    public void ping(Done done) {
        try {
            if (raw != null) {
                raw.send(PING_FRAME, done);
            } else {
                session.getAsyncRemote().sendPing(NO_PAYLOAD.duplicate());
                done.completed(null);
            }
        } catch (Exception e) {
            LOG.log(Level.FINE, "ping failed: {0}", e.toString());
            done.completed(e);
        }
    }

    @Override
    public void close(int code, String reason) {
        CloseReason close = new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason);
        if (state.get() == OPENING) {
            heldClose = close;
            if (state.get() == OPENING) {
                return; // opened() closes it
            }
        }
        close(close);
    }

    /** {@code @OnOpen} returned: a close asked for meanwhile happens now. */
    void opened() {
        state.set(OPEN);
        CloseReason held = heldClose;
        if (held != null) {
            heldClose = null;
            close(held);
        }
    }

    private void close(CloseReason reason) {
        try {
            if (session.isOpen()) {
                lingeringClose.arrange(session); // the socket waits for the client's answer to this close
                session.close(reason);
            }
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing a session failed: {0}", e.toString());
        }
    }
}
