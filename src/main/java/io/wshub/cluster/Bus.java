package io.wshub.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Carries {@link Envelope}s between nodes. The publishing node delivers to its own connections itself; the bus brings
 * a message to every other node that needs it, once, and never back to its origin. A node receives a room's traffic
 * only while it {@link #subscribe subscribes} to the room (while it has local members), its own node channel and the
 * broadcast channel.
 */
public interface Bus {

    /** Starts receiving; {@code connected} runs each time the bus (re)connects, for the node to re-register. */
    void start(Consumer<Envelope> receiver, Runnable connected);

    void publishToRoom(String roomId, Envelope envelope);

    void publishToNode(String nodeId, Envelope envelope);

    void publishToAll(Envelope envelope);

    /** Starts receiving a room's messages; completes once the subscription is in effect (or cannot be). */
    CompletableFuture<Void> subscribe(String roomId);

    void unsubscribe(String roomId);

    /** Called with each heartbeat: lets a transport check that a quiet connection is still alive. */
    default void keepAlive() {
    }

    /** Whether the bus can carry messages now, and why not. */
    Status status();

    /** Stops receiving and releases connections and threads. */
    void stop();

    record Status(boolean up, String name, String detail) {
    }
}
