package io.wshub.transport;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;

/**
 * Lends an upgraded request's handshake-only chunks to the node for the life of its WebSocket: part of
 * {@link UpgradeRequestTrim}. Grizzly's request of an upgrade holds about two dozen {@code DataChunk}s (a chunk with its
 * byte, char and buffer chunks is about 190 bytes). Some hold what only the handshake read: the method, the query and
 * its decoded copy, the addresses, host and server names, the auth type and remote user, the response's reason phrase.
 * While the WebSocket is open they are swapped for one shared, immutable, empty chunk (Grizzly's
 * {@code DataChunk.toImmutable()}, whose writes and recycle do nothing), and the Host header's chunk is let go.
 * <p>
 * Grizzly pools its requests and responses: the same objects serve a later request. So before it pools them, every
 * swapped field gets a chunk of its own again. Grizzly pools them in one place only, {@code HttpServerFilter
 * .afterService}, right after it tells the request's after-service listeners; one shared listener here does the giving
 * back. It only runs if added before Grizzly starts that, so the swap happens under the response's suspend lock, and
 * only while the response is still suspended: Grizzly resumes or cancels it (the only ways to its after-service) under
 * that lock.
 * <p>
 * Only the chunks listed here: the request's URI and protocol and the upgrade marks stay (Grizzly reads them while the
 * connection lives), and Catalina's own (its mapping data) are not touched.
 */
final class HandshakeChunks {

    /** {@code HttpRequestPacket}'s chunks that only the handshake read. */
    private static final String[] REQUEST_CHUNKS = {"methodC", "queryC", "remoteAddressC", "remoteHostC",
            "localNameC", "localAddressC", "serverNameC", "authTypeC", "remoteUserC"};
    private static final String AFTER_SERVICE_LISTENER = "org.glassfish.grizzly.http.server.AfterServiceListener";

    private final UpgradeRequests requests;
    private final Consumer<Throwable> failed;
    private volatile Loaned loaned;

    /** @param failed told when chunks could not be given back (the request is then not pooled) */
    HandshakeChunks(UpgradeRequests requests, Consumer<Throwable> failed) {
        this.requests = requests;
        this.failed = failed;
    }

    /**
     * Swaps the chunks of a session's Grizzly request, response and parameters; false if the response is no longer
     * suspended (its after-service has begun: nothing is swapped).
     */
    boolean lend(Object grizzlyRequest, Object parameters, Object requestPacket, Object responsePacket)
            throws ReflectiveOperationException {
        Loaned with = loaned(grizzlyRequest, requestPacket);
        Object response = requests.call(grizzlyRequest, "getResponse");
        Object suspendLock = requests.call(response, "getSuspendContext");
        synchronized (suspendLock) {
            if (!Boolean.TRUE.equals(requests.call(response, "isSuspended"))) {
                return false;
            }
            with.addListener.invoke(grizzlyRequest, with.listener);
            for (String name : REQUEST_CHUNKS) {
                requests.replace(requestPacket, name, with.empty);
            }
            // the Host header's chunk, kept to find the server name; parsed (or never needed) by now
            requests.replace(requestPacket, "hostHeaderParsed", Boolean.TRUE);
            requests.clear(requestPacket, "unparsedHostC");
            requests.replace(parameters, "queryDC", with.empty);
            requests.replace(parameters, "decodedQuery", with.empty);
            if (Boolean.TRUE.equals(requests.call(responsePacket, "isCommitted"))) {
                requests.replace(responsePacket, "reasonPhraseC", with.empty);
            }
        }
        return true;
    }

    /** Gives every swapped field of the request a chunk of its own again; Grizzly is about to pool it. */
    private void giveBack(Object grizzlyRequest) throws ReflectiveOperationException {
        Loaned with = loaned;
        Object requestPacket = requests.call(grizzlyRequest, "getRequest");
        if (requestPacket != null) {
            for (String name : REQUEST_CHUNKS) {
                restore(requestPacket, name, with);
            }
        }
        Object parameters = requests.call(grizzlyRequest, "getParameters");
        restore(parameters, "decodedQuery", with);
        if (requests.read(parameters, "queryDC") == with.empty) {
            // Grizzly points it at the request's query chunk when it next uses the request
            requests.replace(parameters, "queryDC", requestPacket == null ? null
                    : requests.read(requestPacket, "queryC"));
        }
        Object response = requests.call(grizzlyRequest, "getResponse");
        Object responsePacket = response == null ? null : requests.call(response, "getResponse");
        if (responsePacket != null) {
            restore(responsePacket, "reasonPhraseC", with);
        }
    }

    private void restore(Object owner, String name, Loaned with) throws ReflectiveOperationException {
        if (requests.read(owner, name) == with.empty) {
            requests.replace(owner, name, with.newChunk.invoke(null));
        }
    }

    /** Made once, under a lock: requests lent one empty chunk must be given back by the listener that knows it. */
    private Loaned loaned(Object grizzlyRequest, Object requestPacket) throws ReflectiveOperationException {
        Loaned with = loaned;
        if (with != null) {
            return with;
        }
        synchronized (this) {
            with = loaned;
            if (with != null) {
                return with;
            }
            Class<?> chunkType = ContainerShortcut.field(requestPacket.getClass(), "methodC").getType();
            Method newChunk = chunkType.getMethod("newInstance");
            Object empty = chunkType.getMethod("toImmutable").invoke(newChunk.invoke(null));
            Class<?> listenerType = Class.forName(AFTER_SERVICE_LISTENER, false,
                    grizzlyRequest.getClass().getClassLoader());
            Method addListener = grizzlyRequest.getClass().getMethod("addAfterServiceListener", listenerType);
            Object listener = Proxy.newProxyInstance(listenerType.getClassLoader(), new Class<?>[]{listenerType},
                    new GiveBack());
            with = new Loaned(empty, newChunk, addListener, listener);
            loaned = with;
            return with;
        }
    }

    /** The shared empty chunk, how to make a new one, and the after-service listener that gives chunks back. */
    private record Loaned(Object empty, Method newChunk, Method addListener, Object listener) {
    }

    /** Grizzly's {@code AfterServiceListener}, one for all requests. */
    private final class GiveBack implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            return switch (method.getName()) {
                case "onAfterService" -> {
                    try {
                        giveBack(args[0]);
                    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                        failed.accept(e);
                        keepOutOfThePool(args[0]);
                    }
                    yield null;
                }
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "wshub's giving back of handshake chunks";
                default -> throw new UnsupportedOperationException(method.toString());
            };
        }
    }

    /**
     * Should a chunk not go back, Grizzly must not pool the request with the shared one: it pools neither request nor
     * response whose suspend state is cancelled (as after a suspend timed out or a connection was lost).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void keepOutOfThePool(Object grizzlyRequest) {
        try {
            Object response = requests.call(grizzlyRequest, "getResponse");
            Field state = ContainerShortcut.field(response.getClass(), "suspendState");
            state.set(response, Enum.valueOf((Class<? extends Enum>) state.getType(), "CANCELLED"));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            failed.accept(e);
        }
    }
}
