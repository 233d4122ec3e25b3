package io.wshub.transport;

import io.wshub.hub.HubConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * Sends a text frame framed once for all its receivers, through Tyrus's public {@code TyrusWebSocket.sendRawFrame}.
 * <p>
 * Tyrus frames and UTF-8-encodes the text of every {@code sendText} again, for each receiver: about a fifth of the
 * server's CPU in a room fan-out (docs/benchmarks.md). A server frame is unmasked, so the same bytes fit every
 * session; {@code sendRawFrame} writes them through the session's own lock and writer, in order with Tyrus's pings,
 * pongs and close frames, and returns a {@code CompletableFuture} (Tyrus's {@code TyrusFuture}) that completes when
 * the container took the bytes. The socket is reached through two private fields ({@code TyrusSession.asyncRemote},
 * {@code TyrusRemoteEndpoint.webSocket}), once per session.
 * <p>
 * Switch: {@code wshub.tyrus.raw-frames} (default true). A session with a negotiated extension (permessage-deflate)
 * gets {@code sendText}, as does every session if Tyrus changed: then this logs SEVERE once, readiness reports it, and
 * the test that checks {@link #status()} fails.
 */
@ApplicationScoped
public class TyrusRawFrames {

    private static final Logger LOG = Logger.getLogger(TyrusRawFrames.class.getName());

    @Inject
    HubConfig config;

    private volatile Access access;
    /** The switch is read when asked: the configuration is injected after construction. */
    private final ContainerShortcut shortcut = new ContainerShortcut(LOG, "wshub.tyrus.raw-frames",
            "Raw frames cannot be sent (Tyrus changed?); every frame is encoded per receiver again", "used by",
            () -> config.tyrusRawFrames());

    /** How to reach a session's socket and its raw send, found on the first session. */
    private record Access(Field asyncRemote, Field webSocket, MethodHandle sendRawFrame) {
    }

    /** The raw sender of a session, or null when its frames must go through {@code sendText}. */
    public Sender senderFor(Session session) {
        if (!shortcut.usable() || !session.getNegotiatedExtensions().isEmpty()) {
            return null;
        }
        try {
            Access found = access(session);
            Object remote = found.asyncRemote().get(session);
            Object socket = found.webSocket().get(remote);
            shortcut.used();
            return new Sender(socket, found.sendRawFrame());
        } catch (ReflectiveOperationException | RuntimeException e) {
            shortcut.failed(e);
            return null;
        }
    }

    /** "disabled", "failed: ...", "used by N sessions", or "waiting for the first session". */
    public String status() {
        return shortcut.status();
    }

    private Access access(Session session) throws ReflectiveOperationException {
        Access found = access;
        if (found != null) {
            return found;
        }
        Field asyncRemote = ContainerShortcut.field(ContainerShortcut.tyrusSession(session), "asyncRemote");
        Object remote = asyncRemote.get(session);
        Field webSocket = ContainerShortcut.field(remote.getClass(), "webSocket");
        Object socket = webSocket.get(remote);
        MethodHandle send = MethodHandles.publicLookup().findVirtual(socket.getClass(), "sendRawFrame",
                MethodType.methodType(Future.class, ByteBuffer.class));
        found = new Access(asyncRemote, webSocket, send.asType(MethodType.methodType(Future.class, Object.class,
                ByteBuffer.class)));
        access = found;
        return found;
    }

    /** One session's raw send. */
    public static final class Sender implements FrameSender {
        private final Object socket;
        private final MethodHandle sendRawFrame;

        Sender(Object socket, MethodHandle sendRawFrame) {
            this.socket = socket;
            this.sendRawFrame = sendRawFrame;
        }

        @Override
        public void send(byte[] frame, io.wshub.hub.Outlet.Done done) {
            send(frame).whenComplete((written, failure) -> done.completed(failure));
        }

        /** Writes a whole frame; the future completes when the container took it (or failed). */
        @SuppressWarnings("unchecked")
        public CompletableFuture<Object> send(byte[] frame) {
            try {
                return (CompletableFuture<Object>) (Future<?>) sendRawFrame.invokeExact(socket, ByteBuffer.wrap(frame));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An unmasked, final text frame of {@code text} (which must be well-formed UTF-16: {@code hub.Frame} checks). */
    public static byte[] textFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int length = payload.length;
        int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        byte[] frame = new byte[header + length];
        frame[0] = (byte) 0x81; // FIN, text
        if (length <= 125) {
            frame[1] = (byte) length;
        } else if (length <= 0xFFFF) {
            frame[1] = 126;
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, length);
        return frame;
    }
}
