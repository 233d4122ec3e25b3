package io.wshub.transport;

import io.wshub.hub.HubConfig;
import io.wshub.hub.HubScheduler;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;
import org.glassfish.tyrus.spi.WriterInfo;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a socket the hub closes open until the client answered the close frame, as RFC 6455 (7.1.1) has the server
 * do. Tyrus closes the TCP connection right after writing its close frame; a client still sending then (one closed
 * for flooding, or whose requests crossed the close) leaves unread input, and closing a socket with unread input sends
 * a reset, which can reach the client before it read the close frame: it sees 1006 and no reason.
 * <p>
 * So the session's Tyrus writer is wrapped just before the hub closes it: Tyrus's first close of the writer (right
 * after its close frame) only starts a timer, and the connection goes on reading and discarding what the client
 * sends; Tyrus closes the writer again when the client's close frame arrives, which closes the socket, with nothing
 * left unread. A client that never answers is cut off when {@code wshub.tyrus.close-linger-ms} (default 2,000 ms)
 * have passed. Closes the client starts are not touched: Tyrus answers them and closes at once, as before.
 * <p>
 * Switch: 0 ms turns it off. If Tyrus changed, closes are as Tyrus does them: this logs SEVERE once, readiness reports
 * it, and the test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class LingeringClose {

    private static final Logger LOG = Logger.getLogger(LingeringClose.class.getName());

    @Inject
    HubConfig config;
    @Inject
    HubScheduler scheduler;
    @Inject
    UpgradeRequests requests;

    /** The switch is read when asked: the configuration is injected after construction. */
    /** The sockets waiting for their client's answer; each closes itself when run (typed so as not to link Tyrus). */
    private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.tyrus.close-linger-ms",
            "The close of a socket cannot wait for the client's answer (Tyrus changed?); a client still sending may "
                    + "see a reset in place of the close frame", "applied to", () -> config.closeLingerMillis() > 0);

    /** Call just before the hub closes {@code session}: its socket then stays open for the client's answer. */
    void arrange(Session session) {
        if (!shortcut.usable()) {
            return;
        }
        try {
            Object protocolHandler = requests.protocolHandler(session);
            if (Lingering.wrap(protocolHandler, requests.read(protocolHandler, "writer"), this)) {
                shortcut.used();
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            shortcut.failed(e); // Tyrus's SPI classes are touched only in Lingering: a domain may hide them
        }
    }

    /** Runs {@code close} when the linger has passed, or now if the node's timer has stopped. */
    private void later(Runnable close) {
        try {
            scheduler.executor().schedule(close, config.closeLingerMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            close.run();
        }
    }

    /**
     * The node stops: the sockets still waiting for their client's answer close now (the timer that would close them
     * stops with the node).
     */
    @PreDestroy
    void closeWaiting() {
        for (Runnable close : waiting) {
            close.run();
        }
    }

    /** "disabled", "failed: ...", "applied to N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /** Tyrus's writer of one socket, whose first close waits for the client's answering close frame. */
    private static final class Lingering extends Writer implements Runnable {

        private static volatile Method setWriter;

        private final Writer socket;
        private final LingeringClose owner;
        /** 0: open; 1: our close frame written, waiting for the client's; 2: the socket closed. */
        private final AtomicInteger closes = new AtomicInteger();

        private Lingering(Writer socket, LingeringClose owner) {
            this.socket = socket;
            this.owner = owner;
        }

        /** Puts a lingering writer in place of the protocol handler's; false if it has one already (or none). */
        static boolean wrap(Object protocolHandler, Object writer, LingeringClose owner)
                throws ReflectiveOperationException {
            if (!(writer instanceof Writer socket) || writer instanceof Lingering) {
                return false;
            }
            Method set = setWriter;
            if (set == null) {
                set = protocolHandler.getClass().getMethod("setWriter", Writer.class);
                setWriter = set;
            }
            set.invoke(protocolHandler, new Lingering(socket, owner));
            return true;
        }

        @Override
        public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler) {
            socket.write(buffer, completionHandler);
        }

        @Override
        public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler, WriterInfo info) {
            socket.write(buffer, completionHandler, info);
        }

        /** Tyrus closes the writer right after its close frame (first), and when the client's close frame came. */
        @Override
        public void close() {
            if (closes.compareAndSet(0, 1)) {
                owner.waiting.add(this);
                if (closes.get() == 2) {
                    owner.waiting.remove(this); // the client answered meanwhile
                    return;
                }
                owner.later(this);
            } else {
                closeSocket(); // the client answered (or the timer fired)
            }
        }

        /** Closes the socket: the linger has passed, or the node stops. */
        @Override
        public void run() {
            closeSocket();
        }

        private void closeSocket() {
            if (closes.getAndSet(2) == 2) {
                return;
            }
            owner.waiting.remove(this);
            try {
                socket.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "closing a socket after its close frame failed: {0}", e.toString());
            }
        }
    }
}
