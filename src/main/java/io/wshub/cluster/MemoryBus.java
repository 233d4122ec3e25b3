package io.wshub.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** The single-node bus: there is no other node, so nothing leaves this one (the origin delivers locally). */
public final class MemoryBus implements Bus {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public void start(Consumer<Envelope> receiver, Interest interest, Runnable connected) {
        connected.run();
    }

    @Override
    public CompletableFuture<Void> interestChanged(String roomId) {
        return DONE;
    }

    @Override
    public void publishToRoom(String roomId, Envelope envelope) {
    }

    @Override
    public void publishToNode(String nodeId, Envelope envelope) {
    }

    @Override
    public void publishToAll(Envelope envelope) {
    }

    @Override
    public Status status() {
        return new Status(true, "memory", "single node");
    }

    @Override
    public void stop() {
    }
}
