package io.wshub.hub;

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
