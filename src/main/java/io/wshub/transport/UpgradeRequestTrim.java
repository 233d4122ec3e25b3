package io.wshub.transport;

import io.wshub.hub.HubConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;

import java.lang.reflect.Method;
import java.util.logging.Logger;

/**
 * Gives back scratch memory that the container keeps for every open WebSocket. Payara keeps the whole upgrade
 * request for the life of the connection (its input buffer is where the frames are read from), and Grizzly's request
 * carries two 1,024-char buffers for decoding query parameters ({@code Parameters.tmpNameC}, {@code tmpValueC}),
 * allocated with the request: 4 KB of the ~28 KB of heap an idle connection holds (docs/benchmarks.md). Once the
 * session is open the parameters are decoded (Tyrus copied them into the handshake), so the buffers are swapped for
 * an empty one; should Grizzly reuse the request, they grow again when parameters are next decoded
 * ({@code CharChunk.allocate} and {@code append} size them to what they hold).
 * <p>
 * Switch: {@code wshub.grizzly.trim-upgrade-request} (default true). If the path is not there (another container, a
 * Payara change), nothing is trimmed: this logs SEVERE once, readiness reports it, and the test that checks
 * {@link #status()} fails.
 */
@ApplicationScoped
public class UpgradeRequestTrim {

    private static final Logger LOG = Logger.getLogger(UpgradeRequestTrim.class.getName());
    private static final char[] NO_CHARS = new char[0];

    @Inject
    HubConfig config;
    @Inject
    UpgradeRequests requests;

    private volatile Method setChars;
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.grizzly.trim-upgrade-request",
            "The upgrade request's scratch buffers cannot be released (Payara changed?); each connection keeps 4 KB "
                    + "more", "applied to", () -> config.trimUpgradeRequest());

    /** Releases the scratch buffers of the session's upgrade request; call once the session is open. */
    void apply(Session session) {
        if (!shortcut.usable()) {
            return;
        }
        try {
            Object parameters = requests.call(requests.grizzlyRequest(session), "getParameters");
            release(requests.read(parameters, "tmpNameC"));
            release(requests.read(parameters, "tmpValueC"));
            shortcut.used();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            shortcut.failed(e);
        }
    }

    /** "disabled", "failed: ...", "applied to N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /** The chunk's buffer becomes the empty one; recycled, it holds nothing, as between two requests. */
    private void release(Object charChunk) throws ReflectiveOperationException {
        Method set = setChars;
        if (set == null) {
            set = charChunk.getClass().getMethod("setChars", char[].class, int.class, int.class);
            setChars = set;
        }
        set.invoke(charChunk, NO_CHARS, 0, 0);
        requests.call(charChunk, "recycle");
    }
}
