package io.wshub.transport;

import io.wshub.hub.Outlet;

/** Writes one whole, already framed WebSocket frame to one connection, and says when it is done. */
interface FrameSender {

    /** {@code done} is called exactly once, maybe before this returns; a failure may also be thrown. */
    void send(byte[] frame, Outlet.Done done);
}
