package io.wshub.hub;

import io.wshub.transport.TyrusRawFrames;

/**
 * A transport for benchmarks: it frames like the real one (the bytes built once per frame and shared) and completes
 * every write at once, so that a benchmark measures the hub, not a socket.
 */
public final class CountingOutlet implements Outlet {

    public long frames;
    public long bytes;

    @Override
    public void write(Frame frame, Done done) {
        byte[] wire = frame.wire() instanceof byte[] framed ? framed : null;
        if (wire == null) {
            wire = TyrusRawFrames.textFrame(frame.text());
            frame.wire(wire);
        }
        frames++;
        bytes += wire.length;
        done.completed(null);
    }

    @Override
    public void ping(Done done) {
        done.completed(null);
    }

    @Override
    public void close(int code, String reason) {
    }
}
