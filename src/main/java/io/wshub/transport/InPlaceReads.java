package io.wshub.transport;

import io.wshub.hub.HubConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;

import java.util.logging.Logger;

/**
 * Lets a WebSocket's frames be handled on the thread that read them from the socket. Payara hands an upgraded
 * connection's input to Tyrus through the Servlet {@code ReadListener}; Grizzly runs that listener through the
 * upgrade request's executor provider, which sends it to the worker pool whenever the bytes were read on a selector
 * thread. With the same-thread I/O strategy (payara-config: selectors read and decode, one per processor) that is one
 * hand-off, with its wake-up, per read; with the default worker-thread strategy it is the strategy's own hand-off (and
 * the read interest switched off and on again around it). Here the upgraded request's provider becomes Grizzly's
 * same-thread one, so the listener, Tyrus's decoding and the hub's handler run where the bytes were read: no hand-off.
 * <p>
 * Threading: a selector thread serves many connections, so whatever a frame's handling does on it must not wait; the
 * hub's handlers never wait on Redis or a lock held over I/O, writes go to Grizzly's write queue, and fan-outs beyond
 * a slice go to the fan-out lanes. Handshakes and plain HTTP requests still run on the worker pool (their requests
 * keep the container's provider); the worker-thread strategy makes this a no-op (workers already run the listener).
 * <p>
 * When: as the last step of the session's open, on the worker that runs the handshake, so every frame read after
 * it, the first too, is handled in place (a client may send before the open has ended, having seen the 101: such a
 * frame goes to a worker and waits there for the open, as before). Tyrus registers its read listener before it
 * opens the session, and the listener waits on a latch that Tyrus opens just after the open returns: a frame a
 * selector reads in between waits there for the few steps left on that worker, the only wait this brings to a
 * selector (set on the first message instead, it would leave each connection's first frame, a burst join's, to the
 * workers). The switch is a field of Grizzly's request, reached through private fields of Tyrus and Payara
 * ({@link UpgradeRequests}). Switch: {@code wshub.grizzly.in-place-reads} (default true). If the path is not there
 * (another container, a Payara change), frames are handled on the worker pool as before: this logs SEVERE once,
 * readiness reports it, and the test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class InPlaceReads {

    private static final Logger LOG = Logger.getLogger(InPlaceReads.class.getName());
    private static final String SAME_THREAD_PROVIDER =
            "org.glassfish.grizzly.http.server.RequestExecutorProvider$SameThreadProvider";

    @Inject
    HubConfig config;
    @Inject
    UpgradeRequests requests;

    /** Grizzly's same-thread provider: stateless, one for every request; loaded from the request's class loader. */
    private volatile Object sameThread;
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.grizzly.in-place-reads",
            "A WebSocket's frames cannot be handled where they are read (Payara changed?); each read goes through the "
                    + "worker pool", "used by", () -> config.grizzlyInPlaceReads());

    /**
     * From now on, the session's reads run their listener in place. Call once, at the end of the open, on a session
     * still open. False when they do not (switched off, or the path failed).
     */
    boolean apply(Session session) {
        if (!shortcut.usable()) {
            return false;
        }
        try {
            Object grizzlyRequest = requests.grizzlyRequest(session);
            Object provider = sameThread;
            if (provider == null) {
                provider = grizzlyRequest.getClass().getClassLoader().loadClass(SAME_THREAD_PROVIDER)
                        .getConstructor().newInstance();
                sameThread = provider;
            }
            requests.replace(grizzlyRequest, "requestExecutorProvider", provider);
            shortcut.used();
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            shortcut.failed(e, session);
            return false;
        }
    }

    /** "disabled", "failed: ...", "used by N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }
}
