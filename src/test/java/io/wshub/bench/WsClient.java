package io.wshub.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * A small NIO WebSocket client for the load generator (RFC 6455 client side: handshake, masked text frames, ping/pong,
 * close; no extensions). One or two selector threads carry every connection, so one process holds ~20,000
 * connections for a few KiB each and costs far less CPU per frame than the servers it measures.
 * <p>
 * Callbacks run on the selector thread of the connection. {@link Conn#sendText} may be called from any thread: it
 * writes at once when nothing is queued (as fast as the socket takes it) and queues the rest in order.
 */
final class WsClient implements AutoCloseable {

    /** What a connection reports; each method runs on the connection's selector thread. */
    interface Handler {
        default void onOpen(Conn conn) {
        }

        /** A whole text (or binary) message; the bytes are only valid during the call. */
        void onText(Conn conn, byte[] bytes, int offset, int length);

        /** The connection ended; {@code byServer}: the server closed it, dropped it or refused the handshake. */
        default void onClose(Conn conn, int code, boolean byServer) {
        }
    }

    private static final int CONNECTING = 0;
    private static final int HANDSHAKE = 1;
    private static final int OPEN = 2;
    private static final int CLOSING = 3;
    private static final int CLOSED = 4;
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private final Loop[] loops;
    private final AtomicInteger nextLoop = new AtomicInteger();

    WsClient(int threads) {
        loops = new Loop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new Loop("ws-client-" + i);
            loops[i].start();
        }
    }

    /**
     * Opens one connection; {@code handshakeDone} runs once when the handshake succeeded ({@link Conn#isOpen}) or
     * failed.
     */
    Conn open(URI uri, Map<String, String> headers, Handler handler, Consumer<Conn> handshakeDone) {
        Loop loop = loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
        Conn conn = new Conn(loop, uri, headers, handler, handshakeDone);
        conn.start();
        return conn;
    }

    /**
     * Opens {@code count} connections with at most {@code inFlight} handshakes at a time and waits (up to
     * {@code timeoutSeconds}) until every handshake has succeeded or failed. {@code progress} gets the number of
     * finished handshakes after each one (on a selector thread).
     */
    Conn[] openAll(int count, IntFunction<URI> uri, IntFunction<Handler> handler, int inFlight, int timeoutSeconds,
                   IntConsumer progress) throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        CountDownLatch finished = new CountDownLatch(count);
        AtomicInteger done = new AtomicInteger();
        Conn[] conns = new Conn[count];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (int i = 0; i < count; i++) {
            if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            conns[i] = open(uri.apply(i), Map.of(), handler.apply(i), c -> {
                permits.release();
                int n = done.incrementAndGet();
                if (progress != null) {
                    progress.accept(n);
                }
                finished.countDown();
            });
        }
        finished.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        return conns;
    }

    /**
     * Sends the upgrade request and closes the socket (FIN) at once, without reading the reply: a client that gives
     * up while connecting. {@code done} runs when the socket is closed.
     */
    Conn openAndAbandon(URI uri, Handler handler, Consumer<Conn> done) {
        Loop loop = loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
        Conn conn = new Conn(loop, uri, Map.of(), handler, done);
        conn.abandon = true;
        conn.start();
        return conn;
    }

    /** Sends a close frame on every open connection and waits up to {@code seconds} for them to end; aborts the rest. */
    static void closeAll(Iterable<Conn> conns, int seconds) throws InterruptedException {
        for (Conn c : conns) {
            if (c != null) {
                c.close();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Conn c : conns) {
            while (c != null && !c.isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        for (Conn c : conns) {
            if (c != null && !c.isClosed()) {
                c.abort();
            }
        }
    }

    @Override
    public void close() {
        for (Loop loop : loops) {
            loop.shutdown();
        }
    }

    /** A masked client frame. */
    static ByteBuffer frame(int opcode, byte[] payload, int offset, int length) {
        int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
        byte[] f = new byte[header + 4 + length];
        f[0] = (byte) (0x80 | opcode);
        if (length < 126) {
            f[1] = (byte) (0x80 | length);
        } else if (length < 65536) {
            f[1] = (byte) (0x80 | 126);
            f[2] = (byte) (length >>> 8);
            f[3] = (byte) length;
        } else {
            f[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        int mask = ThreadLocalRandom.current().nextInt();
        f[header] = (byte) (mask >>> 24);
        f[header + 1] = (byte) (mask >>> 16);
        f[header + 2] = (byte) (mask >>> 8);
        f[header + 3] = (byte) mask;
        int at = header + 4;
        for (int i = 0; i < length; i++) {
            f[at + i] = (byte) (payload[offset + i] ^ f[header + (i & 3)]);
        }
        return ByteBuffer.wrap(f);
    }

    /** One WebSocket connection. */
    static final class Conn {
        private final Loop loop;
        private final URI uri;
        private final Map<String, String> headers;
        private final Handler handler;
        private Consumer<Conn> handshakeDone;
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>(4);
        private SocketChannel channel;
        private SelectionKey key;
        private volatile int state = CONNECTING;
        private boolean writeInterest;
        private volatile boolean weClosed;
        private byte[] leftover;
        private int leftoverLength;
        private byte[] fragments;
        private int fragmentsLength;
        private volatile int closeCode = -1;
        private volatile boolean closedByServer;
        private volatile String failure;
        final long startedNanos = System.nanoTime();
        volatile long openedNanos;
        /** Free for the scenario: which client this is. */
        int index;
        /** Close the socket right after the upgrade request is written ({@link WsClient#openAndAbandon}). */
        private boolean abandon;

        Conn(Loop loop, URI uri, Map<String, String> headers, Handler handler, Consumer<Conn> handshakeDone) {
            this.loop = loop;
            this.uri = uri;
            this.headers = headers;
            this.handler = handler;
            this.handshakeDone = handshakeDone;
        }

        boolean isOpen() {
            return state == OPEN;
        }

        boolean isClosed() {
            return state == CLOSED;
        }

        /** The server closed (or dropped) the connection, or refused the handshake. */
        boolean closedByServer() {
            return closedByServer;
        }

        int closeCode() {
            return closeCode;
        }

        String failure() {
            return failure;
        }

        Handler handler() {
            return handler;
        }

        void sendText(String text) {
            sendText(text.getBytes(StandardCharsets.UTF_8));
        }

        void sendText(byte[] utf8) {
            if (state == OPEN) {
                send(WsClient.frame(0x1, utf8, 0, utf8.length));
            }
        }

        /** Starts the closing handshake (close 1000); the server's close frame or EOF ends the connection. */
        void close() {
            synchronized (this) {
                if (state != OPEN) {
                    if (state < OPEN) {
                        abort();
                    }
                    return;
                }
                state = CLOSING;
                weClosed = true;
            }
            sendNow(WsClient.frame(0x8, new byte[]{0x03, (byte) 0xe8}, 0, 2));
        }

        /** Drops the TCP connection without a closing handshake. */
        void abort() {
            synchronized (this) {
                weClosed = true;
            }
            loop.execute(() -> terminate(false, 1006, null));
        }

        /** Drops the TCP connection with a reset (SO_LINGER 0: RST instead of FIN), without a closing handshake. */
        void reset() {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                // closed already: an abort is all that is left
            }
            abort();
        }

        private void start() {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                int port = uri.getPort() > 0 ? uri.getPort() : 80;
                boolean connected = channel.connect(new InetSocketAddress(uri.getHost(), port));
                loop.execute(() -> {
                    try {
                        key = channel.register(loop.selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT,
                                this);
                        if (connected) {
                            sendHandshake();
                        }
                    } catch (IOException e) {
                        terminate(true, -1, e.toString());
                    }
                });
            } catch (IOException e) {
                loop.execute(() -> terminate(true, -1, e.toString()));
            }
        }

        private void finishConnect() {
            try {
                if (channel.finishConnect()) {
                    key.interestOps(SelectionKey.OP_READ);
                    sendHandshake();
                }
            } catch (IOException e) {
                terminate(true, -1, e.toString());
            }
        }

        private void sendHandshake() {
            state = HANDSHAKE;
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            StringBuilder request = new StringBuilder(256 + path.length())
                    .append("GET ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(nonce)).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("\r\n");
            sendNow(ByteBuffer.wrap(request.toString().getBytes(StandardCharsets.ISO_8859_1)));
            if (abandon) {
                synchronized (this) {
                    weClosed = true;
                }
                terminate(false, 1006, "abandoned after the upgrade request");
            }
        }

        private void send(ByteBuffer frame) {
            synchronized (this) {
                if (state != OPEN) {
                    return;
                }
            }
            sendNow(frame);
        }

        private void sendNow(ByteBuffer frame) {
            synchronized (this) {
                if (state == CLOSED) {
                    return;
                }
                if (out.isEmpty()) {
                    try {
                        channel.write(frame);
                    } catch (IOException e) {
                        loop.execute(() -> terminate(true, 1006, e.toString()));
                        return;
                    }
                    if (!frame.hasRemaining()) {
                        return;
                    }
                }
                out.add(frame);
                if (!writeInterest) {
                    writeInterest = true;
                    loop.enableWrite(this);
                }
            }
        }

        private void flush() {
            synchronized (this) {
                try {
                    while (!out.isEmpty()) {
                        ByteBuffer[] batch = new ByteBuffer[Math.min(out.size(), 64)];
                        Iterator<ByteBuffer> queued = out.iterator();
                        for (int i = 0; i < batch.length; i++) {
                            batch[i] = queued.next();
                        }
                        channel.write(batch);
                        while (!out.isEmpty() && !out.peek().hasRemaining()) {
                            out.poll();
                        }
                        if (batch[batch.length - 1].hasRemaining()) {
                            return; // the socket is full: wait for OP_WRITE
                        }
                    }
                    writeInterest = false;
                    if (key.isValid()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                } catch (IOException e) {
                    loop.execute(() -> terminate(true, 1006, e.toString()));
                } catch (CancelledKeyException e) {
                    // closed meanwhile
                }
            }
        }

        private void readable() {
            ByteBuffer buffer = loop.buffer;
            buffer.clear();
            if (leftoverLength > 0) {
                buffer.put(leftover, 0, leftoverLength);
                leftoverLength = 0;
            }
            int read;
            try {
                read = channel.read(buffer);
            } catch (IOException e) {
                terminate(!weClosed, 1006, e.toString());
                return;
            }
            byte[] a = buffer.array();
            int end = buffer.position();
            int at = 0;
            if (state == HANDSHAKE) {
                int headerEnd = indexOf(a, 0, end, HEADER_END);
                if (headerEnd < 0) {
                    if (read < 0) {
                        terminate(true, -1, "EOF during handshake");
                    } else {
                        keep(a, 0, end);
                    }
                    return;
                }
                String status = new String(a, 0, Math.min(headerEnd, 64), StandardCharsets.ISO_8859_1);
                if (!status.startsWith("HTTP/1.1 101")) {
                    terminate(true, -1, status.lines().findFirst().orElse(status));
                    return;
                }
                openedNanos = System.nanoTime();
                state = OPEN;
                Consumer<Conn> done = handshakeDone;
                handshakeDone = null;
                handler.onOpen(this);
                if (done != null) {
                    done.accept(this);
                }
                at = headerEnd + 4;
            }
            while (at < end && state != CLOSED) {
                int used = parseFrame(a, at, end);
                if (used == 0) {
                    break;
                }
                at += used;
            }
            if (state == CLOSED) {
                return;
            }
            if (at < end) {
                keep(a, at, end);
            }
            if (read < 0) {
                terminate(!weClosed, 1006, weClosed ? null : "EOF");
            }
        }

        private void keep(byte[] a, int from, int end) {
            int length = end - from;
            if (leftover == null || leftover.length < length) {
                leftover = new byte[Math.max(length, 512)];
            }
            System.arraycopy(a, from, leftover, 0, length);
            leftoverLength = length;
            if (from == 0 && length == loop.buffer.capacity()) {
                loop.buffer = ByteBuffer.allocate(loop.buffer.capacity() * 2);
            }
        }

        /** Handles the frame at {@code at}; the number of bytes it took, 0 if it is not complete yet. */
        private int parseFrame(byte[] a, int at, int end) {
            if (end - at < 2) {
                return 0;
            }
            int b0 = a[at] & 0xff;
            int b1 = a[at + 1] & 0xff;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0f;
            boolean masked = (b1 & 0x80) != 0;
            long length = b1 & 0x7f;
            int header = 2;
            if (length == 126) {
                if (end - at < 4) {
                    return 0;
                }
                length = ((a[at + 2] & 0xff) << 8) | (a[at + 3] & 0xff);
                header = 4;
            } else if (length == 127) {
                if (end - at < 10) {
                    return 0;
                }
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | (a[at + 2 + i] & 0xff);
                }
                header = 10;
            }
            int maskAt = at + header;
            if (masked) {
                header += 4;
            }
            if (end - at < header + length) {
                if (header + length > loop.buffer.capacity()) {
                    loop.buffer = ByteBuffer.allocate((int) (header + length) * 2);
                }
                return 0;
            }
            int p = at + header;
            int n = (int) length;
            if (masked) {
                for (int i = 0; i < n; i++) {
                    a[p + i] ^= a[maskAt + (i & 3)];
                }
            }
            switch (opcode) {
                case 0x0, 0x1, 0x2 -> {
                    if (fin && fragmentsLength == 0 && opcode != 0) {
                        handler.onText(this, a, p, n);
                    } else {
                        if (fragments == null || fragments.length < fragmentsLength + n) {
                            byte[] grown = new byte[Math.max(1024, (fragmentsLength + n) * 2)];
                            if (fragments != null) {
                                System.arraycopy(fragments, 0, grown, 0, fragmentsLength);
                            }
                            fragments = grown;
                        }
                        System.arraycopy(a, p, fragments, fragmentsLength, n);
                        fragmentsLength += n;
                        if (fin) {
                            int whole = fragmentsLength;
                            fragmentsLength = 0;
                            handler.onText(this, fragments, 0, whole);
                        }
                    }
                }
                case 0x8 -> {
                    int code = n >= 2 ? ((a[p] & 0xff) << 8) | (a[p + 1] & 0xff) : 1005;
                    boolean serverStarted;
                    synchronized (this) {
                        serverStarted = !weClosed;
                        if (serverStarted && state == OPEN) {
                            state = CLOSING;
                        }
                    }
                    if (serverStarted) {
                        byte[] reply = {(byte) (code >>> 8), (byte) code};
                        sendNow(WsClient.frame(0x8, reply, 0, n >= 2 ? 2 : 0));
                    }
                    terminate(serverStarted, code, null);
                }
                case 0x9 -> sendNow(WsClient.frame(0xA, a, p, n));
                default -> {
                    // pong or reserved: ignored
                }
            }
            return header + n;
        }

        /** Ends the connection (selector thread). */
        private void terminate(boolean byServer, int code, String why) {
            if (state == CLOSED) {
                return;
            }
            synchronized (this) {
                state = CLOSED;
                out.clear();
            }
            closeCode = code;
            closedByServer = byServer;
            failure = why;
            if (key != null) {
                key.cancel();
            }
            try {
                channel.close();
            } catch (IOException | RuntimeException e) {
                // gone anyway
            }
            Consumer<Conn> done = handshakeDone;
            handshakeDone = null;
            if (done != null) {
                done.accept(this);
            }
            handler.onClose(this, code, byServer);
        }
    }

    static int indexOf(byte[] a, int from, int end, byte[] pattern) {
        outer:
        for (int i = from; i <= end - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** One selector thread. */
    private static final class Loop extends Thread {
        final Selector selector;
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        private volatile boolean running = true;

        Loop(String name) {
            super(name);
            setDaemon(true);
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void execute(Runnable task) {
            tasks.add(task);
            if (Thread.currentThread() != this) {
                selector.wakeup();
            }
        }

        void enableWrite(Conn conn) {
            if (Thread.currentThread() == this) {
                if (conn.key != null && conn.key.isValid()) {
                    conn.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                }
            } else {
                execute(() -> {
                    if (conn.key != null && conn.key.isValid()) {
                        conn.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    }
                });
            }
        }

        private void handle(SelectionKey key) {
            Conn conn = (Conn) key.attachment();
            try {
                if (!key.isValid()) {
                    return;
                }
                if (key.isConnectable()) {
                    conn.finishConnect();
                    return;
                }
                if (key.isWritable()) {
                    conn.flush();
                }
                if (key.isValid() && key.isReadable()) {
                    conn.readable();
                }
            } catch (CancelledKeyException e) {
                // closed meanwhile
            }
        }

        void shutdown() {
            running = false;
            selector.wakeup();
        }

        @Override
        public void run() {
            while (running) {
                try {
                    selector.select(this::handle);
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                } catch (IOException | RuntimeException e) {
                    System.err.println("ws-client loop: " + e);
                }
            }
            for (SelectionKey key : selector.keys()) {
                try {
                    key.channel().close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
