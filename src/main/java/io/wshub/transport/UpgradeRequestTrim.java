package io.wshub.transport;

import io.wshub.hub.HubConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.logging.Logger;

/**
 * Gives back memory that the container keeps for every open WebSocket. Payara keeps the whole upgrade request for the
 * life of the connection (its input buffer is where the frames are read from), with what only the handshake needed:
 * <ul>
 *   <li>two 1,024-char buffers for decoding query parameters ({@code Parameters.tmpNameC}, {@code tmpValueC}),
 *   allocated with Grizzly's request: swapped for an empty one; should Grizzly reuse the request, they grow again when
 *   parameters are next decoded ({@code CharChunk.allocate} and {@code append} size them to what they hold);</li>
 *   <li>the request's headers and, once written, the response's: each header a field of two chunks of four objects,
 *   kept for reuse. Tyrus copied the request's headers into its own copy of the handshake (below), and Grizzly
 *   decides an upgraded connection's reads by the request's own {@code upgrade} chunk, not by its headers; so the
 *   headers are recycled and their array replaced by an empty one;</li>
 *   <li>the request's two scratch buffers for writing headers (512 and 20 bytes, {@code HttpHeader
 *   .tmpHeaderEncodingBuffer}, {@code tmpContentLengthBuffer}): Grizzly writes them only for the message it sends, and
 *   a server sends responses, never its requests (pooled, a request object stays a server's request), so they are
 *   swapped for an empty array, which would fail loudly, not share bytes, were that ever not so;</li>
 *   <li>the chunks of the request and its parameters that only the handshake read (method, query, addresses and
 *   names, auth: 11 of Grizzly's {@code DataChunk}s, about 2 KB): lent to the node while the WebSocket is open and
 *   given back before Grizzly pools the request ({@link HandshakeChunks});</li>
 *   <li>Tyrus's copy of the handshake ({@code TyrusHttpUpgradeHandler.upgradeInfo}: the request with its headers and
 *   URI, the response), which the handler reads once, to make the connection, before the session opens: about 2.5
 *   KB.</li>
 * </ul>
 * Measured on 19,000 idle connections (docs/benchmarks.md).
 * <p>
 * Switch: {@code wshub.grizzly.trim-upgrade-request} (default true). If the path is not there (another container, a
 * Payara change), nothing is trimmed: this logs SEVERE once, readiness reports it, and the test that checks
 * {@link #status()} fails.
 */
@ApplicationScoped
public class UpgradeRequestTrim {

    private static final Logger LOG = Logger.getLogger(UpgradeRequestTrim.class.getName());
    private static final char[] NO_CHARS = new char[0];
    private static final byte[] NO_BYTES = new byte[0];
    /** Grizzly's initial size of a header array ({@code MimeHeaders.DEFAULT_HEADER_SIZE}); it grows by doubling. */
    private static final int HEADER_FIELDS = 8;

    @Inject
    HubConfig config;
    @Inject
    UpgradeRequests requests;

    private HandshakeChunks chunks;
    private volatile Method setChars;
    private volatile Field headerFields;
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.grizzly.trim-upgrade-request",
            "The upgrade request's scratch buffers and headers cannot be released (Payara changed?); each connection "
                    + "keeps several KB more", "applied to", () -> config.trimUpgradeRequest());

    @PostConstruct
    void start() {
        chunks = new HandshakeChunks(requests, shortcut::failed);
    }

    /** Releases what the session's upgrade request kept for the handshake; call once the session is open. */
    void apply(Session session) {
        if (!shortcut.usable()) {
            return;
        }
        try {
            Object grizzlyRequest = requests.grizzlyRequest(session);
            Object parameters = requests.call(grizzlyRequest, "getParameters");
            release(requests.read(parameters, "tmpNameC"));
            release(requests.read(parameters, "tmpValueC"));
            Object requestPacket = requests.call(grizzlyRequest, "getRequest");
            releaseHeaders(requestPacket);
            // scratch space for writing a message's headers; a server only writes responses, so its request's is
            // never used, yet pooled requests carry one each (the response's is used again, so it stays)
            requests.replace(requestPacket, "tmpHeaderEncodingBuffer", NO_BYTES);
            requests.replace(requestPacket, "tmpContentLengthBuffer", NO_BYTES);
            Object response = requests.call(requests.call(grizzlyRequest, "getResponse"), "getResponse");
            if (Boolean.TRUE.equals(requests.call(response, "isCommitted"))) {
                releaseHeaders(response); // written already; not before, or the 101 would lose its headers
            }
            chunks.lend(grizzlyRequest, parameters, requestPacket);
            // Tyrus's copy of the handshake (request, headers, URI, response), read once when the connection was made,
            // in the container's handler behind the proxy that Tyrus's writer holds
            requests.clear(requests.read(requests.upgradeHandler(session), "handler"), "upgradeInfo");
            shortcut.used();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            shortcut.failed(e, session);
        }
    }

    /** "disabled", "failed: ...", "applied to N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    /**
     * Forgets a request's or committed response's headers: recycled (as between two requests), and the array of
     * header fields, each with two chunks of four objects, kept for reuse, swapped for a fresh one with no fields.
     */
    private void releaseHeaders(Object httpHeader) throws ReflectiveOperationException {
        Object headers = requests.call(httpHeader, "getHeaders");
        requests.call(headers, "recycle");
        Field fields = headerFields;
        if (fields == null) {
            fields = ContainerShortcut.field(headers.getClass(), "headers");
            if (!fields.getType().isArray()) {
                throw new NoSuchFieldException(headers.getClass().getName() + ".headers is a "
                        + fields.getType().getName());
            }
            headerFields = fields;
        }
        fields.set(headers, Array.newInstance(fields.getType().getComponentType(), HEADER_FIELDS));
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
