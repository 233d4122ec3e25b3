package io.wshub.protocol;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests of one connection that wait for their answer, each under an id of the hub's kind (a long): formats
 * whose own ids are strings or arbitrary numbers keep here how to answer each one. An id is answered once.
 *
 * @param <T> what the format needs to answer a request (its own id, say)
 */
public final class PendingRequests<T> {

    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<Long, T> waiting = new ConcurrentHashMap<>();

    /** Remembers a request; the returned id is the one the hub answers it with. */
    public long add(T request) {
        long id = ids.incrementAndGet();
        waiting.put(id, request);
        return id;
    }

    /** The request of {@code id}, still waiting; null if none. */
    public T peek(Long id) {
        return id == null ? null : waiting.get(id);
    }

    /** The request of {@code id}, which is answered now; null if none waits (answered already, or never asked). */
    public T take(Long id) {
        return id == null ? null : waiting.remove(id);
    }

    public int size() {
        return waiting.size();
    }
}
