package io.wshub.hub;

import java.util.List;

/**
 * Where a connection's frames go: the transport's session (or, in tests, a stand-in). The connection guarantees at
 * most one {@link #write} in flight at a time, which is what keeps frames in order.
 */
public interface Outlet {

    /**
     * Starts writing one frame. {@code done} is called exactly once: with null when the frame was written, else with
     * the failure. It may be called before this method returns (the socket was writable).
     */
    void write(Frame frame, Done done);

    /**
     * How many queued frames one {@link #write(List, Done)} may carry; 1 (the default) when this outlet writes one
     * frame at a time. It may change while the connection lives (a transport that batches only once the handshake
     * is flushed, say).
     */
    default int maxBatch() {
        return 1;
    }

    /**
     * Starts writing several frames, in order, as one write (one system call for what a connection's queue holds);
     * the peer still reads them as separate frames. {@code done} is called exactly once, for all of them, as for
     * {@link #write(Frame, Done)}. Called only with 2 to {@link #maxBatch} frames.
     */
    default void write(List<Frame> frames, Done done) {
        throw new UnsupportedOperationException("this outlet writes one frame at a time");
    }

    /**
     * Sends a WebSocket ping; {@code done} gets the failure when it could not be written (the peer is gone, and the
     * container may never say so otherwise: a client that drops the connection during the upgrade, say).
     */
    void ping(Done done);

    /** Closes the transport with this code and reason; may wait for the socket, so never called on a sender's thread. */
    void close(int code, String reason);

    @FunctionalInterface
    interface Done {
        void completed(Throwable failure);
    }
}
