package io.wshub.transport;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the shortcuts through the container's internals share (the idle-timer fix, raw frames, direct writes, the
 * upgrade request trim, in-place reads, direct reads, the lingering close):
 * a switch, the first failure (after which the shortcut is off for good: logged SEVERE once, reported by readiness,
 * and the test that checks {@link #status()} fails), a count of sessions for readiness, and the reflective lookups
 * into Tyrus's classes.
 */
final class ContainerShortcut {

    static final String TYRUS_SESSION = "org.glassfish.tyrus.core.TyrusSession";

    private final Logger log;
    private final String switchKey;
    private final String consequence;
    private final String usedBy;
    private final BooleanSupplier enabled;
    private final AtomicLong sessions = new AtomicLong();
    private volatile String failure;

    /**
     * @param switchKey   the configuration key that turns it off
     * @param consequence what failing costs, as the SEVERE line says it
     * @param usedBy      how {@link #status()} counts sessions ("used by", "applied to")
     */
    ContainerShortcut(Logger log, String switchKey, String consequence, String usedBy, BooleanSupplier enabled) {
        this.log = log;
        this.switchKey = switchKey;
        this.consequence = consequence;
        this.usedBy = usedBy;
        this.enabled = enabled;
    }

    /** Switched on and not failed. */
    boolean usable() {
        return failure == null && enabled.getAsBoolean();
    }

    /** One more session uses it. */
    void used() {
        sessions.incrementAndGet();
    }

    /**
     * A failure on one session: none if the session was found closing ({@link UpgradeRequests.SessionClosing}) or was
     * closed meanwhile (a close racing the open lets the container's objects go, which a walk to them may trip on),
     * else as {@link #failed(Throwable)}.
     */
    void failed(Throwable cause, jakarta.websocket.Session session) {
        if (cause instanceof UpgradeRequests.SessionClosing || !session.isOpen()) {
            return;
        }
        failed(cause);
    }

    /** The first failure turns it off for good; later ones are not logged again. */
    void failed(Throwable cause) {
        if (failure != null) {
            return;
        }
        failure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        log.log(Level.SEVERE, consequence + ". Set " + switchKey + "=false to silence this. Cause: " + failure, cause);
    }

    /** "disabled", "failed: ...", "used by N sessions" (or "applied to"), or "waiting for the first session". */
    String status() {
        if (!enabled.getAsBoolean()) {
            return "disabled";
        }
        if (failure != null) {
            return "failed: " + failure;
        }
        long count = sessions.get();
        return count == 0 ? "waiting for the first session" : usedBy + " " + count + " sessions";
    }

    /** The TyrusSession class in a session's hierarchy; {@link NoSuchFieldException} when it is not one. */
    static Class<?> tyrusSession(Object session) throws NoSuchFieldException {
        for (Class<?> type = session.getClass(); type != null; type = type.getSuperclass()) {
            if (type.getName().equals(TYRUS_SESSION)) {
                return type;
            }
        }
        throw new NoSuchFieldException("session class " + session.getClass().getName() + " is not a "
                + TYRUS_SESSION);
    }

    /** A field declared by {@code type} or one of its superclasses, made accessible. */
    static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = declaredUpwards(type, at -> at.getDeclaredField(name));
        if (field == null) {
            throw new NoSuchFieldException(type.getName() + "." + name);
        }
        return field;
    }

    /** A method without parameters declared by {@code type} or one of its superclasses, made accessible. */
    static Method method(Class<?> type, String name) throws NoSuchMethodException {
        Method method = declaredUpwards(type, at -> at.getDeclaredMethod(name));
        if (method == null) {
            throw new NoSuchMethodException(type.getName() + "." + name + "()");
        }
        return method;
    }

    /** What {@code lookup} finds declared by {@code type} or the nearest superclass, made accessible; null if none. */
    private static <T extends AccessibleObject> T declaredUpwards(Class<?> type, Declared<T> lookup) {
        for (Class<?> at = type; at != null; at = at.getSuperclass()) {
            try {
                T member = lookup.in(at);
                member.setAccessible(true);
                return member;
            } catch (ReflectiveOperationException notHere) {
                // the superclass may declare it
            }
        }
        return null;
    }

    @FunctionalInterface
    private interface Declared<T> {
        T in(Class<?> type) throws ReflectiveOperationException;
    }
}
