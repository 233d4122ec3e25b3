package io.wshub.it.app;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.websocket.Session;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only look at the chunks of Grizzly's request under a session or an HTTP request: the classes of the fields that
 * wshub lends while a WebSocket is open ({@code DataChunk$Immutable}, the node's shared empty chunk) and gives back
 * before Grizzly pools the request ({@code DataChunk}, one of the request's own).
 */
public final class GrizzlyChunks {

    private static final String[] REQUEST_CHUNKS = {"methodC", "queryC", "remoteAddressC", "remoteHostC",
            "localNameC", "localAddressC", "serverNameC", "authTypeC", "remoteUserC"};

    private GrizzlyChunks() {
    }

    /** The WebSocket session of one of the hub's connections: Connection.outlet (a SessionOutlet) .session. */
    public static Session sessionOf(Object connection) throws ReflectiveOperationException {
        return (Session) read(read(connection, "outlet"), "session");
    }

    /** The distinct classes of the lent fields of the session's upgrade request and its parameters. */
    public static List<String> ofSession(Session session) throws ReflectiveOperationException {
        return of(grizzlyRequest(session));
    }

    /** The same for the Grizzly request under an HTTP request (a pooled one, if Grizzly took it from its pool). */
    public static List<String> ofRequest(HttpServletRequest request) throws ReflectiveOperationException {
        return of(call(read(request, "request"), "getCoyoteRequest"));
    }

    /** Who the session's Grizzly request and its packet are (identity hashes), to see them reused later. */
    public static List<Integer> idsOfSession(Session session) throws ReflectiveOperationException {
        return ids(grizzlyRequest(session));
    }

    /** Who the Grizzly request and its packet under an HTTP request are. */
    public static List<Integer> idsOfRequest(HttpServletRequest request) throws ReflectiveOperationException {
        return ids(call(read(request, "request"), "getCoyoteRequest"));
    }

    private static List<Integer> ids(Object grizzlyRequest) throws ReflectiveOperationException {
        return List.of(System.identityHashCode(grizzlyRequest),
                System.identityHashCode(call(grizzlyRequest, "getRequest")));
    }

    private static Object grizzlyRequest(Session session) throws ReflectiveOperationException {
        Object protocolHandler = read(read(read(session, "asyncRemote"), "webSocket"), "protocolHandler");
        Object upgradeHandler = read(read(protocolHandler, "writer"), "tyrusHttpUpgradeHandler");
        Object catalinaRequest = read(call(upgradeHandler, "getWebConnection"), "request");
        return call(catalinaRequest, "getCoyoteRequest");
    }

    private static List<String> of(Object grizzlyRequest) throws ReflectiveOperationException {
        List<Object> chunks = new ArrayList<>();
        Object packet = call(grizzlyRequest, "getRequest");
        for (String name : REQUEST_CHUNKS) {
            chunks.add(read(packet, name));
        }
        chunks.add(read(call(grizzlyRequest, "getParameters"), "decodedQuery"));
        return chunks.stream().map(chunk -> chunk == null ? "null" : chunk.getClass().getName()).distinct().toList();
    }

    private static Object read(Object owner, String name) throws ReflectiveOperationException {
        Field field = declaredUpwards(owner, type -> type.getDeclaredField(name));
        field.setAccessible(true);
        return field.get(owner);
    }

    private static Object call(Object owner, String name) throws ReflectiveOperationException {
        Method method = declaredUpwards(owner, type -> type.getDeclaredMethod(name));
        method.setAccessible(true);
        return method.invoke(owner);
    }

    /** What {@code lookup} finds declared by the owner's class or the nearest superclass. */
    private static <T> T declaredUpwards(Object owner, Declared<T> lookup) throws ReflectiveOperationException {
        ReflectiveOperationException notFound = null;
        for (Class<?> type = owner.getClass(); type != null; type = type.getSuperclass()) {
            try {
                return lookup.in(type);
            } catch (NoSuchFieldException | NoSuchMethodException notHere) {
                notFound = notHere; // a superclass may declare it
            }
        }
        throw notFound;
    }

    @FunctionalInterface
    private interface Declared<T> {
        T in(Class<?> type) throws ReflectiveOperationException;
    }
}
