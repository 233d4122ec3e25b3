package io.wshub.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client written against RFC 6455 directly, for peers the JDK client cannot play: one that never
 * answers pings, or one that sends a frame in pieces. It reads frames one by one, by hand.
 */
final class RawWebSocket implements AutoCloseable {

    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    static final int TEXT = 0x1;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawWebSocket(URI uri) throws IOException {
        this(uri, new String[0]);
    }

    /**
     * Connects and sends {@code frames} the moment the upgrade is accepted, before reading anything the server sent
     * after its 101: frames a client pipelined right after the upgrade, racing the server's first frame. (Frames sent
     * in the same TCP write as the upgrade request itself stall the connection in Payara's servlet upgrade layer;
     * browsers never do that.)
     */
    RawWebSocket(URI uri, String... pipelined) throws IOException {
        socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(30_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = readHttpHead(in);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("handshake refused: " + status);
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (String frame : pipelined) {
            all.write(frame(TEXT, frame.getBytes(StandardCharsets.UTF_8), true));
        }
        out.write(all.toByteArray());
        out.flush();
    }

    private static String readHttpHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during handshake");
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** Reads the next frame; a read timeout surfaces as an exception. */
    Frame read() throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(first & 0x0f, payload);
    }

    /**
     * Reads until the server closes the TCP connection and returns how long that took; an exception if it reset the
     * connection instead, or sent nothing for {@code timeoutMillis}.
     */
    long awaitEndOfStream(int timeoutMillis) throws IOException {
        long start = System.nanoTime();
        socket.setSoTimeout(timeoutMillis);
        byte[] discard = new byte[8192];
        while (in.read(discard) >= 0) {
            // frames after the close frame would be a protocol error, but are not this method's concern
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Sends a close frame with this code and reason. */
    void sendClose(int code, String reason) throws IOException {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        send(CLOSE, payload, true);
    }

    /** Sends one masked frame (clients must mask). */
    void send(int opcode, byte[] payload, boolean fin) throws IOException {
        out.write(frame(opcode, payload, fin));
        out.flush();
    }

    private static byte[] frame(int opcode, byte[] payload, boolean fin) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >> shift));
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }

    /**
     * Sends one text frame in {@code pieces} writes, a pause after each, so that the server reads it in as many reads:
     * its header alone first, then the payload in parts.
     */
    void sendTextInPieces(String text, int pieces) throws IOException, InterruptedException {
        byte[] bytes = frame(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
        int[] ends = new int[pieces];
        ends[0] = 1; // the first byte of the header alone
        for (int i = 1; i < pieces; i++) {
            ends[i] = 1 + (bytes.length - 1) * i / (pieces - 1);
        }
        int start = 0;
        for (int end : ends) {
            out.write(bytes, start, end - start);
            out.flush();
            start = end;
            Thread.sleep(20);
        }
    }

    void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
