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
 * its decoded copy, the addresses, host and server names, the auth type and remote user. While the WebSocket is open
 * they are swapped for one shared empty chunk (Grizzly's {@code DataChunk.toImmutable()}: its {@code setString},
 * {@code setBuffer}, {@code setChars} and {@code recycle} do nothing, so the lazy fills of addresses and names leave it
 * empty; they return null instead), and the Host header's chunk is let go. Nothing reads them after the open: Catalina
 * keeps its own copies, and its access log ran before the open. The response's reason phrase is not lent: Grizzly
 * writes it on reading ({@code getReasonPhraseDC}, with {@code setBytes}, which the immutable chunk lets through).
 * Should anything write the shared chunk all the same, lending stops for the node ({@link #lend} checks it is still
 * empty; the failure is logged SEVERE and readiness reports it).
 * <p>
 * Grizzly pools its requests: the same objects serve a later request. So before it pools them, every swapped field
 * gets a chunk of its own again. Grizzly pools them in one place only, {@code HttpServerFilter.afterService}, right
 * after it tells the request's after-service listeners; one shared listener here does the giving back. It only runs if
 * added before Grizzly starts that, so the swap happens under the response's suspend lock, and only while the
 * response is still suspended: Grizzly resumes or cancels it (the only ways to its after-service) under that lock. If
 * a chunk cannot be given back, the response is marked cancelled, which Grizzly never pools.
 * <p>
 * Everything it touches at a close is resolved when it first lends, not through the application's beans: a close can
 * come while the application is being undeployed.
 */
final class HandshakeChunks {

    /** {@code HttpRequestPacket}'s chunks that only the handshake read. */
    private static final String[] REQUEST_CHUNKS = {"methodC", "queryC", "remoteAddressC", "remoteHostC",
            "localNameC", "localAddressC", "serverNameC", "authTypeC", "remoteUserC"};
    private static final String AFTER_SERVICE_LISTENER = "org.glassfish.grizzly.http.server.AfterServiceListener";

    private final UpgradeRequests requests;
    private final Consumer<Throwable> failed;
    private volatile Grizzly grizzly;

    /** @param failed told when the shared chunk was written, or chunks could not be given back */
    HandshakeChunks(UpgradeRequests requests, Consumer<Throwable> failed) {
        this.requests = requests;
        this.failed = failed;
    }

    /**
     * Swaps the chunks of a session's Grizzly request and parameters; nothing if the response is no longer suspended
     * (its after-service has begun).
     */
    void lend(Object grizzlyRequest, Object parameters, Object requestPacket) throws ReflectiveOperationException {
        Grizzly with = grizzly(grizzlyRequest, requestPacket, parameters);
        if (!(Boolean) with.isNull.invoke(with.empty)) {
            throw new IllegalStateException("Grizzly wrote into the shared empty chunk: \""
                    + with.empty + "\"; lending stops");
        }
        Object response = with.getResponse.invoke(grizzlyRequest);
        Object suspendLock = requests.call(response, "getSuspendContext");
        synchronized (suspendLock) {
            if (!Boolean.TRUE.equals(requests.call(response, "isSuspended"))) {
                return;
            }
            with.addListener.invoke(grizzlyRequest, with.listener);
            for (Field chunk : with.requestChunks) {
                chunk.set(requestPacket, with.empty);
            }
            // the Host header's chunk, kept to find the server name; parsed (or never needed) by now
            requests.replace(requestPacket, "hostHeaderParsed", Boolean.TRUE);
            requests.clear(requestPacket, "unparsedHostC");
            with.queryDC.set(parameters, with.empty);
            with.decodedQuery.set(parameters, with.empty);
        }
    }

    /** Gives every swapped field of the request a chunk of its own again; Grizzly is about to pool it. */
    private void giveBack(Grizzly with, Object grizzlyRequest) throws ReflectiveOperationException {
        Object requestPacket = with.getRequest.invoke(grizzlyRequest);
        if (requestPacket != null) {
            for (Field chunk : with.requestChunks) {
                restore(with, requestPacket, chunk);
            }
        }
        Object parameters = with.getParameters.invoke(grizzlyRequest);
        restore(with, parameters, with.decodedQuery);
        if (with.queryDC.get(parameters) == with.empty) {
            // as Grizzly has it until it next uses the request (and points it at that request's query again)
            with.queryDC.set(parameters, requestPacket == null ? null : with.queryC.get(requestPacket));
        }
    }

    private static void restore(Grizzly with, Object owner, Field chunk) throws ReflectiveOperationException {
        if (chunk.get(owner) == with.empty) {
            chunk.set(owner, with.newChunk.invoke(null));
        }
    }

    /**
     * Should a chunk not go back, Grizzly must not pool the request with the shared one: it pools neither request nor
     * response whose suspend state is cancelled (as after a suspend timed out or a connection was lost).
     */
    private void keepOutOfThePool(Grizzly with, Object grizzlyRequest) {
        try {
            with.suspendState.set(with.getResponse.invoke(grizzlyRequest), with.cancelled);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            failed.accept(e);
        }
    }

    /**
     * Resolved once, under a lock: requests lent one empty chunk must be given back by the listener that knows it,
     * and a close must not depend on the application's beans.
     */
    private Grizzly grizzly(Object grizzlyRequest, Object requestPacket, Object parameters)
            throws ReflectiveOperationException {
        Grizzly with = grizzly;
        if (with != null) {
            return with;
        }
        synchronized (this) {
            with = grizzly;
            if (with == null) {
                with = resolve(grizzlyRequest, requestPacket, parameters);
                grizzly = with;
            }
            return with;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Grizzly resolve(Object grizzlyRequest, Object requestPacket, Object parameters)
            throws ReflectiveOperationException {
        Class<?> requestType = grizzlyRequest.getClass();
        Field[] requestChunks = new Field[REQUEST_CHUNKS.length];
        for (int i = 0; i < REQUEST_CHUNKS.length; i++) {
            requestChunks[i] = ContainerShortcut.field(requestPacket.getClass(), REQUEST_CHUNKS[i]);
        }
        Class<?> chunkType = requestChunks[0].getType();
        Method newChunk = chunkType.getMethod("newInstance");
        Object empty = chunkType.getMethod("toImmutable").invoke(newChunk.invoke(null));
        Method getResponse = ContainerShortcut.method(requestType, "getResponse");
        Field suspendState = ContainerShortcut.field(getResponse.invoke(grizzlyRequest).getClass(), "suspendState");
        Object cancelled = Enum.valueOf((Class<? extends Enum>) suspendState.getType(), "CANCELLED");
        Class<?> listenerType = Class.forName(AFTER_SERVICE_LISTENER, false, requestType.getClassLoader());
        return new Grizzly(empty, newChunk, chunkType.getMethod("isNull"), requestChunks,
                ContainerShortcut.field(requestPacket.getClass(), "queryC"),
                ContainerShortcut.field(parameters.getClass(), "queryDC"),
                ContainerShortcut.field(parameters.getClass(), "decodedQuery"),
                ContainerShortcut.method(requestType, "getRequest"),
                ContainerShortcut.method(requestType, "getParameters"), getResponse, suspendState, cancelled,
                requestType.getMethod("addAfterServiceListener", listenerType),
                Proxy.newProxyInstance(listenerType.getClassLoader(), new Class<?>[]{listenerType}, new GiveBack()));
    }

    /** Grizzly's classes as this node found them: the shared empty chunk, the fields, the giving-back listener. */
    private record Grizzly(Object empty, Method newChunk, Method isNull, Field[] requestChunks, Field queryC,
                           Field queryDC, Field decodedQuery, Method getRequest, Method getParameters,
                           Method getResponse, Field suspendState, Object cancelled, Method addListener,
                           Object listener) {
    }

    /** Grizzly's {@code AfterServiceListener}, one for all requests. */
    private final class GiveBack implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            return switch (method.getName()) {
                case "onAfterService" -> {
                    Grizzly with = grizzly;
                    try {
                        giveBack(with, args[0]);
                    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                        failed.accept(e);
                        keepOutOfThePool(with, args[0]);
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
}
