package io.wshub.transport;

import io.wshub.hub.HubConfig;
import io.wshub.hub.Outlet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.AsyncQueueEnabledTransport;
import org.glassfish.grizzly.asyncqueue.AsyncQueueWriter;
import org.glassfish.grizzly.asyncqueue.WritableMessage;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.MemoryManager;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.SocketAddress;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Writes a connection's data frames straight to its socket's write queue in Grizzly, the one the container's own
 * writes end in, skipping what each frame otherwise goes through on its way there: Tyrus's protocol handler and
 * lock, the Servlet output stream, an 8 KiB buffer allocated per frame, and the HTTP filter chain. Measured in a
 * broadcast, that path was 80% of a delivery's CPU and the socket write 6% (docs/benchmarks.md).
 * <p>
 * Order: Grizzly's write queue is FIFO per connection; the hub writes one data frame at a time, and Tyrus writes each
 * of its own frames (pongs, close) whole and flushed into the same queue, so frames never interleave. Pings still go
 * through Tyrus ({@link TyrusRawFrames}), so the container sees the connection write. A frame completes when it is
 * written to the socket, or queued behind a full socket buffer; a connection that is closed fails the write.
 * <p>
 * The connection is reached once per session through private fields of Tyrus and Payara's web container (the same
 * objects that hold the upgrade request). Switch: {@code wshub.grizzly.direct-writes} (default true). If the path or
 * Grizzly is not there (another container, a Payara change), frames go through Tyrus instead: this logs SEVERE once,
 * readiness reports it, and the test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class GrizzlyDirectWrites {

    private static final Logger LOG = Logger.getLogger(GrizzlyDirectWrites.class.getName());

    @Inject
    HubConfig config;

    private final ConcurrentHashMap<String, Field> fields = new ConcurrentHashMap<>();
    /** Looked up on the first session: every upgraded session has the same container classes. */
    private volatile Method getWebConnection;
    private volatile Method getCoyoteRequest;
    private volatile Method getConnection;
    /** The switch is read when asked: the configuration is injected after construction. */
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.grizzly.direct-writes",
            "Frames cannot be written to Grizzly directly (Payara changed?); they go through Tyrus", "used by",
            () -> config.grizzlyDirectWrites());

    /** The direct sender of a session, or null when its frames must go another way. */
    FrameSender senderFor(Session session) {
        if (!shortcut.usable() || !session.getNegotiatedExtensions().isEmpty()) {
            return null;
        }
        try {
            Object connection = grizzlyConnection(session);
            FrameSender sender = Direct.of(connection);
            shortcut.used();
            return sender;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            shortcut.failed(e);
            return null;
        }
    }

    /** "disabled", "failed: ...", "used by N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /**
     * TyrusSession.asyncRemote.webSocket.protocolHandler.writer (Tyrus's servlet writer) .tyrusHttpUpgradeHandler
     * .getWebConnection() (Catalina's) .request.getCoyoteRequest() (Grizzly's) .getConnection().
     */
    private Object grizzlyConnection(Session session) throws ReflectiveOperationException {
        Object remote = read(session, "asyncRemote");
        Object webSocket = read(remote, "webSocket");
        Object protocolHandler = read(webSocket, "protocolHandler");
        Object writer = read(protocolHandler, "writer");
        Object upgradeHandler = read(writer, "tyrusHttpUpgradeHandler");
        Method connectionOf = getWebConnection;
        if (connectionOf == null) {
            connectionOf = method(upgradeHandler.getClass(), "getWebConnection");
            connectionOf.setAccessible(true);
            getWebConnection = connectionOf;
        }
        Object webConnection = connectionOf.invoke(upgradeHandler);
        Object catalinaRequest = read(webConnection, "request");
        Method coyoteRequestOf = getCoyoteRequest;
        if (coyoteRequestOf == null) {
            coyoteRequestOf = catalinaRequest.getClass().getMethod("getCoyoteRequest");
            getCoyoteRequest = coyoteRequestOf;
        }
        Object grizzlyRequest = coyoteRequestOf.invoke(catalinaRequest);
        Method connectionOfRequest = getConnection;
        if (connectionOfRequest == null) {
            connectionOfRequest = grizzlyRequest.getClass().getMethod("getConnection");
            getConnection = connectionOfRequest;
        }
        Object connection = connectionOfRequest.invoke(grizzlyRequest);
        if (connection == null) {
            throw new NoSuchFieldException("the upgraded request has no Grizzly connection");
        }
        return connection;
    }

    private Object read(Object owner, String name) throws ReflectiveOperationException {
        if (owner == null) {
            throw new NoSuchFieldException("no object to read " + name + " from");
        }
        Class<?> type = owner.getClass();
        Field field = fields.get(type.getName() + "#" + name);
        if (field == null) {
            field = ContainerShortcut.field(type, name);
            fields.put(type.getName() + "#" + name, field);
        }
        return field.get(owner);
    }

    private static Method method(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> at = type; at != null; at = at.getSuperclass()) {
            try {
                return at.getDeclaredMethod(name);
            } catch (NoSuchMethodException notHere) {
                // the superclass may declare it
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name + "()");
    }

    /**
     * The writes of one connection. One handler serves all of them: the hub has one data frame in flight per
     * connection at a time.
     */
    static final class Direct implements FrameSender, CompletionHandler<WriteResult<WritableMessage, SocketAddress>> {

        private final Connection<SocketAddress> connection;
        private final AsyncQueueWriter<SocketAddress> writer;
        private final MemoryManager<?> memory;
        private volatile Outlet.Done current;

        private Direct(Connection<SocketAddress> connection) {
            this.connection = connection;
            this.writer = ((AsyncQueueEnabledTransport) connection.getTransport()).getAsyncQueueIO().getWriter();
            this.memory = connection.getMemoryManager();
        }

        @SuppressWarnings("unchecked")
        static Direct of(Object connection) {
            return new Direct((Connection<SocketAddress>) connection);
        }

        @Override
        public void send(byte[] frame, Outlet.Done done) {
            current = done;
            writer.write(connection, null, Buffers.wrap(memory, frame), this);
        }

        @Override
        public void completed(WriteResult<WritableMessage, SocketAddress> result) {
            done(null);
        }

        @Override
        public void failed(Throwable failure) {
            done(failure);
        }

        @Override
        public void cancelled() {
            done(new CancellationException("write cancelled"));
        }

        @Override
        public void updated(WriteResult<WritableMessage, SocketAddress> result) {
        }

        private void done(Throwable failure) {
            Outlet.Done done = current;
            current = null;
            if (done != null) {
                done.completed(failure);
            }
        }
    }
}
