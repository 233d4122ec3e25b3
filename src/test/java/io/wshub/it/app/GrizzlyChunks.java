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

    /** The distinct classes of the lent fields of the session's upgrade request, response and parameters. */
    public static List<String> ofSession(Session session) throws ReflectiveOperationException {
        Object protocolHandler = read(read(read(session, "asyncRemote"), "webSocket"), "protocolHandler");
        Object upgradeHandler = read(read(protocolHandler, "writer"), "tyrusHttpUpgradeHandler");
        Object catalinaRequest = read(call(upgradeHandler, "getWebConnection"), "request");
        return of(call(catalinaRequest, "getCoyoteRequest"));
    }

    /** The same for the Grizzly request under an HTTP request (a pooled one, if Grizzly took it from its pool). */
    public static List<String> ofRequest(HttpServletRequest request) throws ReflectiveOperationException {
        return of(call(read(request, "request"), "getCoyoteRequest"));
    }

    private static List<String> of(Object grizzlyRequest) throws ReflectiveOperationException {
        List<Object> chunks = new ArrayList<>();
        Object packet = call(grizzlyRequest, "getRequest");
        for (String name : REQUEST_CHUNKS) {
            chunks.add(read(packet, name));
        }
        chunks.add(read(call(grizzlyRequest, "getParameters"), "decodedQuery"));
        chunks.add(read(call(call(grizzlyRequest, "getResponse"), "getResponse"), "reasonPhraseC"));
        return chunks.stream().map(chunk -> chunk == null ? "null" : chunk.getClass().getName()).distinct().toList();
    }

    private static Object read(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> type = owner.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(owner);
            } catch (NoSuchFieldException notHere) {
                // a superclass may declare it
            }
        }
        throw new NoSuchFieldException(owner.getClass().getName() + "." + name);
    }

    private static Object call(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> type = owner.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Method method = type.getDeclaredMethod(name);
                method.setAccessible(true);
                return method.invoke(owner);
            } catch (NoSuchMethodException notHere) {
                // a superclass may declare it
            }
        }
        throw new NoSuchMethodException(owner.getClass().getName() + "." + name + "()");
    }
}
