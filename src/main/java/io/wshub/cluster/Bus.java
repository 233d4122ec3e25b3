package io.wshub.cluster;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Carries {@link Envelope}s between nodes. The publishing node delivers to its own connections itself; the bus brings
 * a message to every other node that needs it, once, and never back to its origin.
 * <p>
 * Guarantees: at most once (a message published while Redis is away is counted and lost for the other nodes);
 * messages one thread publishes reach each other node in the order published. Publishing never blocks: it queues
 * (bounded) and a publisher thread writes. A node receives a room's traffic only while it wants the room (while it
 * has local members), plus its own node channel and the broadcast channel.
 */
public interface Bus {

    /** The rooms a node wants the traffic of; the bus asks when it gets to a change, so the last change wins. */
    interface Interest {
        boolean wants(String roomId);

        Collection<String> rooms();
    }

    /**
     * Starts receiving; {@code connected} runs each time the bus (re)connects, for the node to register its state
     * again.
     */
    void start(Consumer<Envelope> receiver, Interest interest, Runnable connected);

    /**
     * The node's interest in a room may have changed: the bus subscribes or unsubscribes to match, asynchronously.
     * Completes once the subscription matches: when the room is wanted, once the node receives its traffic.
     */
    CompletableFuture<Void> interestChanged(String roomId);

    /** Queues a message for the other nodes with members of the room; {@link ClusterUnavailableException} if it cannot. */
    void publishToRoom(String roomId, Envelope envelope);

    void publishToNode(String nodeId, Envelope envelope);

    void publishToAll(Envelope envelope);

    /** Called with each heartbeat: lets a transport check that a quiet connection is still alive. */
    default void keepAlive() {
    }

    /** Whether the bus can carry messages now, and why not. */
    Status status();

    /** Stops receiving and publishing; what is queued is written first, for at most a moment. */
    void stop();

    record Status(boolean up, String name, String detail) {
    }
}
