package io.wshub.transport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.websocket.Session;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the container's objects under an upgraded WebSocket session, for the shortcuts that reach below Tyrus
 * ({@link GrizzlyDirectWrites}, {@link UpgradeRequestTrim}, {@link InPlaceReads}, {@link GrizzlyDirectReads},
 * {@link LingeringClose}): Grizzly's request of the upgrade, which Payara keeps for the life of the WebSocket because
 * its input buffer is where the frames are read from; Tyrus's protocol handler, whose writer ends the connection. The
 * path goes through private fields of Tyrus and Payara's web container, looked up once and cached; every upgraded
 * session has the same classes. Reflection only, so that nothing here links against classes a full Payara Server
 * domain may hide.
 */
@ApplicationScoped
public class UpgradeRequests {

    /** By class, then name: no key is built per lookup (a connection's open makes about twenty). */
    private final ConcurrentHashMap<Class<?>, ConcurrentHashMap<String, Field>> fields = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Class<?>, ConcurrentHashMap<String, Method>> methods = new ConcurrentHashMap<>();

    /**
     * Grizzly's {@code org.glassfish.grizzly.http.server.Request} of the upgrade: TyrusSession.asyncRemote.webSocket
     * .protocolHandler.writer (Tyrus's servlet writer) .tyrusHttpUpgradeHandler.getWebConnection() (Catalina's)
     * .request.getCoyoteRequest().
     */
    Object grizzlyRequest(Session session) throws ReflectiveOperationException {
        Object grizzlyRequest = call(catalinaRequest(session), "getCoyoteRequest");
        if (grizzlyRequest == null) {
            throw new NoSuchFieldException("the upgraded session has no Grizzly request");
        }
        return grizzlyRequest;
    }

    /** Catalina's request of the upgrade: the upgrade handler's getWebConnection() (Catalina's) .request. */
    Object catalinaRequest(Session session) throws ReflectiveOperationException {
        return read(call(upgradeHandler(session), "getWebConnection"), "request");
    }

    /**
     * Tyrus's Servlet upgrade handler of a session as its writer holds it: protocolHandler.writer
     * .tyrusHttpUpgradeHandler, a proxy ({@code TyrusHttpUpgradeHandlerProxy}) whose field {@code handler} is the
     * container's instance.
     */
    Object upgradeHandler(Session session) throws ReflectiveOperationException {
        Object writer = read(protocolHandler(session), "writer");
        if (writer != null && writer.getClass().getName().equals(LINGERING_WRITER)) {
            throw new SessionClosing();
        }
        return read(writer, "tyrusHttpUpgradeHandler");
    }

    /** {@link LingeringClose}'s writer, by name: its class extends Tyrus's SPI, which a domain may hide. */
    private static final String LINGERING_WRITER = LingeringClose.class.getName() + "$Lingering";

    /**
     * The session is being closed (the hub wrapped its writer for the close, perhaps while its open was still
     * running): the container is letting its objects go, so a shortcut leaves it be. Not a failure of the shortcut.
     */
    static final class SessionClosing extends ReflectiveOperationException {
        SessionClosing() {
            super("the session is closing", null);
        }
    }

    /** Tyrus's {@code ProtocolHandler} of a session: TyrusSession.asyncRemote.webSocket.protocolHandler. */
    Object protocolHandler(Session session) throws ReflectiveOperationException {
        return read(read(read(session, "asyncRemote"), "webSocket"), "protocolHandler");
    }

    /** A field's value, declared by the owner's class or a superclass. */
    Object read(Object owner, String name) throws ReflectiveOperationException {
        return field(owner, name).get(owner);
    }

    /** Sets a field, declared by the owner's class or a superclass, to null. */
    void clear(Object owner, String name) throws ReflectiveOperationException {
        replace(owner, name, null);
    }

    /** Sets a field, declared by the owner's class or a superclass (final ones too: Java allows it once accessible). */
    void replace(Object owner, String name, Object value) throws ReflectiveOperationException {
        field(owner, name).set(owner, value);
    }

    private Field field(Object owner, String name) throws ReflectiveOperationException {
        if (owner == null) {
            throw new NoSuchFieldException("no object with the field " + name);
        }
        Map<String, Field> known = fields.computeIfAbsent(owner.getClass(), type -> new ConcurrentHashMap<>());
        Field field = known.get(name);
        if (field == null) {
            field = ContainerShortcut.field(owner.getClass(), name);
            known.put(name, field);
        }
        return field;
    }

    /** Calls a method without parameters, declared (public or not) by the owner's class or a superclass. */
    Object call(Object owner, String name) throws ReflectiveOperationException {
        if (owner == null) {
            throw new NoSuchMethodException("no object to call " + name + "() on");
        }
        Map<String, Method> known = methods.computeIfAbsent(owner.getClass(), type -> new ConcurrentHashMap<>());
        Method method = known.get(name);
        if (method == null) {
            method = ContainerShortcut.method(owner.getClass(), name);
            known.put(name, method);
        }
        return method.invoke(owner);
    }
}
