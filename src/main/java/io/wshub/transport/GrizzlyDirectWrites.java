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

import java.net.SocketAddress;
import java.util.concurrent.CancellationException;
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
 * The connection is reached once per session through private fields of Tyrus and Payara's web container
 * ({@link UpgradeRequests}). Switch: {@code wshub.grizzly.direct-writes} (default true). If the path or
 * Grizzly is not there (another container, a Payara change), frames go through Tyrus instead: this logs SEVERE once,
 * readiness reports it, and the test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class GrizzlyDirectWrites {

    private static final Logger LOG = Logger.getLogger(GrizzlyDirectWrites.class.getName());

    @Inject
    HubConfig config;

    @Inject
    UpgradeRequests requests;

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
            shortcut.failed(e, session);
            return null;
        }
    }

    /** "disabled", "failed: ...", "used by N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /** Grizzly's connection of the upgrade request. */
    private Object grizzlyConnection(Session session) throws ReflectiveOperationException {
        Object connection = requests.call(requests.grizzlyRequest(session), "getConnection");
        if (connection == null) {
            throw new NoSuchFieldException("the upgraded request has no Grizzly connection");
        }
        return connection;
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
