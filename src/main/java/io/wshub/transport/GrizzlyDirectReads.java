package io.wshub.transport;

import io.wshub.hub.HubConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.ReadHandler;
import org.glassfish.grizzly.http.io.InputBuffer;
import org.glassfish.tyrus.spi.Connection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * Hands a WebSocket's bytes from Grizzly's input buffer straight to Tyrus's frame reader. Payara's path for each read
 * goes through Catalina's read handler (container events around the listener: the invocation manager's pre- and
 * post-invoke, request tracing, the stuck-thread registry, two class-loader swaps, a monitor), the Servlet input
 * stream (a new array per read and a copy into it) and Tyrus's Servlet upgrade handler, which formats a FINEST log
 * line on every read whatever the log level. Tyrus's frame reader copies what it is given into its own buffer, so the
 * bytes are handed over as Grizzly read them and the buffer goes back to Grizzly's pool right after.
 * <p>
 * How: at the end of the open, the session's reader takes the place of Catalina's read handler, both in Catalina's
 * input buffer (which registers it with Grizzly again whenever a listener asks whether it is ready) and as the handler
 * Grizzly has registered. Grizzly calls a handler once per registration, on the thread that appended the bytes (the
 * selector, as reads run in place, {@link InPlaceReads}: only then is it used); the reader hands everything ready to
 * Tyrus and registers again, unless Tyrus has closed or Catalina has let the request go (a reader registered with a
 * recycled input buffer would get the next request's bytes). If a read is already under way through Catalina (a frame
 * that came before the open ended), that read ends by registering the reader, so either path sees each byte once and
 * in order. The end of the input and errors still go to Catalina's handler, which tells Tyrus's upgrade handler: the
 * close path is the container's. The thread's context class loader is the application's while Tyrus and the hub run,
 * as Catalina has it. The container's invocation context is not set up (that is most of what the path skips): no
 * {@code java:comp} lookup works on a frame, as on the hub's own threads; the container's identity store handler,
 * which makes one when it is first used, is made at startup ({@code TokenValidator}), and README says so for handlers.
 * <p>
 * Tyrus makes its frame reader only after the open returns, so the reader fetches it at the first read, after waiting
 * on the latch that Tyrus's upgrade handler opens then (the same wait that handler does). Reached through private
 * fields of Tyrus, Catalina and Grizzly ({@link UpgradeRequests}). Switch: {@code wshub.grizzly.direct-reads}
 * (default true). If the path is not there (another container, a Payara change), reads go through the Servlet input
 * stream as before: this logs SEVERE once, readiness reports it, and the test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class GrizzlyDirectReads {

    private static final Logger LOG = Logger.getLogger(GrizzlyDirectReads.class.getName());

    @Inject
    HubConfig config;
    @Inject
    UpgradeRequests requests;

    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.grizzly.direct-reads",
            "A WebSocket's bytes cannot be handed to Tyrus directly (Payara changed?); each read goes through the "
                    + "Servlet input stream", "used by", () -> config.grizzlyDirectReads());

    /**
     * From now on, the session's reads go straight to Tyrus. Call once, at the end of the open, on a session still open
     * whose reads run in place ({@link InPlaceReads}): there Grizzly appends a read's bytes and calls the reader on one
     * thread, so the reader never runs beside an append, and when it registers again nothing is left unread.
     */
    void apply(Session session) {
        if (!shortcut.usable()) {
            return;
        }
        try {
            Object upgradeHandler = requests.read(requests.upgradeHandler(session), "handler");
            Object catalinaRequest = requests.catalinaRequest(session);
            Object catalinaInput = requests.read(catalinaRequest, "inputBuffer");
            Object grizzlyInput = requests.call(requests.call(catalinaRequest, "getCoyoteRequest"), "getInputBuffer");
            Reader.install(grizzlyInput, catalinaInput, upgradeHandler);
            shortcut.used();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            shortcut.failed(e, session);
        }
    }

    /** "disabled", "failed: ...", "used by N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /**
     * The private fields a reader needs, of Catalina's input buffer and Tyrus's Servlet upgrade handler; looked up at
     * the first session (every upgraded session has the same classes).
     */
    static final class Access {
        final Field catalinaHandler;
        final Field connectionLatch;
        final Field connection;
        final Field closed;

        Access(Class<?> catalinaInputType, Class<?> upgradeHandlerType) throws ReflectiveOperationException {
            catalinaHandler = ContainerShortcut.field(catalinaInputType, "readHandler");
            connectionLatch = ContainerShortcut.field(upgradeHandlerType, "connectionLatch");
            connection = ContainerShortcut.field(upgradeHandlerType, "connection");
            closed = ContainerShortcut.field(upgradeHandlerType, "closed");
        }
    }

    /**
     * One session's reader. Grizzly calls it for one connection at a time, on the thread that read the bytes (with
     * reads in place, always the connection's selector); {@code frames} is set at the first call and the same after.
     */
    static final class Reader implements ReadHandler {
        /** Grizzly's registered handler: its input buffer's {@code handler}, a plain field, swapped atomically. */
        private static final VarHandle REGISTERED;

        static {
            try {
                REGISTERED = MethodHandles.privateLookupIn(InputBuffer.class, MethodHandles.lookup())
                        .findVarHandle(InputBuffer.class, "handler", ReadHandler.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The application's class loader, the context class loader Catalina sets for a read listener. */
        private static final ClassLoader APPLICATION = Reader.class.getClassLoader();
        private static volatile Access access;

        /** Bytes handed to Tyrus at a time: Tyrus refuses more than its incoming buffer (4 MiB) in one piece. */
        private static final int MAX_PIECE = 1 << 20;

        private final InputBuffer input;
        private final Object catalinaInput;
        private final ReadHandler container;
        private final Object upgradeHandler;
        private org.glassfish.tyrus.spi.ReadHandler frames;

        private Reader(InputBuffer input, Object catalinaInput, ReadHandler container, Object upgradeHandler) {
            this.input = input;
            this.catalinaInput = catalinaInput;
            this.container = container;
            this.upgradeHandler = upgradeHandler;
        }

        /** Puts a new reader in the place of Catalina's read handler (set by Tyrus's listener), on both sides. */
        static void install(Object grizzlyInput, Object catalinaInput, Object upgradeHandler)
                throws ReflectiveOperationException {
            Access fields = access;
            if (fields == null) {
                fields = new Access(catalinaInput.getClass(), upgradeHandler.getClass());
                access = fields;
            }
            InputBuffer input = (InputBuffer) grizzlyInput;
            ReadHandler container = (ReadHandler) fields.catalinaHandler.get(catalinaInput);
            if (container == null) {
                throw new IllegalStateException("Tyrus has not set its read listener");
            }
            Reader reader = new Reader(input, catalinaInput, container, upgradeHandler);
            fields.catalinaHandler.set(catalinaInput, reader);
            // Registered now unless a read is under way through Catalina; that one registers the reader as it ends.
            REGISTERED.compareAndSet(input, container, reader);
        }

        @Override
        public void onDataAvailable() throws Exception {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            if (previous != APPLICATION) {
                thread.setContextClassLoader(APPLICATION);
            }
            try {
                int ready;
                while ((ready = input.readyData()) > 0 && !closedByTyrus()) {
                    Buffer bytes = input.readBuffer(Math.min(ready, MAX_PIECE));
                    try {
                        frames().handle(bytes.toByteBuffer());
                    } finally {
                        bytes.tryDispose();
                    }
                }
            } finally {
                if (previous != APPLICATION) {
                    thread.setContextClassLoader(previous);
                }
            }
            if (stillReading()) {
                input.notifyAvailable(this);
            }
        }

        /**
         * Not closed by Tyrus, and not let go by Catalina (its recycle clears its handler): a reader registered with
         * a recycled input buffer would be handed the next request's bytes. The same check Catalina makes before it
         * registers its own handler again.
         */
        private boolean stillReading() throws IllegalAccessException {
            return !closedByTyrus() && access.catalinaHandler.get(catalinaInput) == this;
        }

        /** Tyrus's upgrade handler has closed (it reads no more after that either). */
        private boolean closedByTyrus() throws IllegalAccessException {
            return access.closed.getBoolean(upgradeHandler);
        }

        @Override
        public void onAllDataRead() throws Exception {
            container.onAllDataRead();
        }

        @Override
        public void onError(Throwable t) {
            container.onError(t);
        }

        private org.glassfish.tyrus.spi.ReadHandler frames() throws ReflectiveOperationException,
                InterruptedException {
            org.glassfish.tyrus.spi.ReadHandler known = frames;
            if (known == null) {
                ((CountDownLatch) access.connectionLatch.get(upgradeHandler)).await();
                known = ((Connection) access.connection.get(upgradeHandler)).getReadHandler();
                frames = known;
            }
            return known;
        }
    }
}
