package io.wshub.protocol;

/**
 * A codec for a format whose request ids are not the hub's integers (JSON-RPC's, go-ws's): one instance per
 * connection, which keeps how to answer each request until the hub answers it, and answers every request.
 *
 * @param <T> what the format needs to answer one request
 */
public abstract class ConnectionCodec<T> implements WireCodec {

    /** The connection's requests waiting for their answer, under the ids the hub answers them with. */
    protected final PendingRequests<T> pending = new PendingRequests<>();

    @Override
    public boolean answersEveryRequest() {
        return true;
    }

    /** Requests waiting for their answer (every request is answered once, so this goes back to 0). */
    public int waiting() {
        return pending.size();
    }
}
