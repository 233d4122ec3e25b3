package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/** A real WebSocket client (java.net.http) that collects the server's JSON frames for assertions. */
final class WsClient implements WebSocket.Listener, AutoCloseable {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AtomicInteger IDS = new AtomicInteger(100);

    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<int[]> closeCode = new CompletableFuture<>();
    private final CompletableFuture<String> closeReason = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final boolean reading;
    private WebSocket socket;
    /** Set from the server's {@code connected} frame. */
    String clientId;
    String userId;

    private WsClient(boolean reading) {
        this.reading = reading;
    }

    /** Connects and consumes the {@code connected} frame. */
    static WsClient connect(URI uri) {
        return open(uri, true).greeted();
    }

    /** Starts a connection without waiting; call {@link #greeted()} on the result. */
    static CompletableFuture<WsClient> connectAsync(URI uri) {
        WsClient client = new WsClient(true);
        return HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).buildAsync(uri, client)
                .thenApply(socket -> {
                    client.socket = socket;
                    return client;
                });
    }

    /** Consumes the {@code connected} frame and remembers the ids it gives. */
    WsClient greeted() {
        JsonObject connected = expect("connected");
        clientId = connected.getJsonObject("data").getString("client_id");
        userId = connected.getJsonObject("data").getString("user_id");
        return this;
    }

    /** Connects without reading anything: the socket's buffers fill up (a slow consumer). */
    static WsClient connectNotReading(URI uri) {
        return open(uri, false);
    }

    /** Connects without consuming anything. */
    static WsClient open(URI uri) {
        return open(uri, true);
    }

    /** Connects with extra request headers, consuming nothing. */
    static WsClient open(URI uri, java.util.Map<String, String> headers) {
        WebSocket.Builder builder = builder();
        headers.forEach(builder::header);
        return open(builder, uri);
    }

    /** Connects with a bearer token in the Authorization header and consumes the {@code connected} frame. */
    static WsClient connectWithHeader(URI uri, String token) {
        return open(builder().header("Authorization", "Bearer " + token), uri).greeted();
    }

    /** Connects the way a browser sends a token, {@code Sec-WebSocket-Protocol: bearer, <jwt>}. */
    static WsClient connectWithSubprotocol(URI uri, String token) {
        return open(builder().subprotocols("bearer", token), uri).greeted();
    }

    /** The HTTP status of a refused handshake; fails if the handshake succeeds. */
    static int refusal(URI uri, java.util.function.UnaryOperator<WebSocket.Builder> setup) {
        try {
            WebSocket socket = setup.apply(builder()).buildAsync(uri, new WsClient(true))
                    .orTimeout(20, TimeUnit.SECONDS).join();
            socket.abort();
            throw new AssertionError("the handshake to " + uri + " was accepted");
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** The subprotocol the server selected. */
    String subprotocol() {
        return socket.getSubprotocol();
    }

    private static WebSocket.Builder builder() {
        return HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    }

    private static WsClient open(WebSocket.Builder builder, URI uri) {
        WsClient client = new WsClient(true);
        client.socket = builder.buildAsync(uri, client).orTimeout(20, TimeUnit.SECONDS).join();
        return client;
    }

    private static WsClient open(URI uri, boolean reading) {
        WsClient client = new WsClient(reading);
        client.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, client).orTimeout(20, TimeUnit.SECONDS).join();
        return client;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        if (reading) {
            webSocket.request(1);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                frames.add(Json.parse(text).asJsonObject());
            } catch (RuntimeException e) {
                frames.add(Json.object().add("message_type", "unparseable frame").add("raw", text).build());
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason.complete(reason); // before the code: awaitClose() waits for the code, then reads the reason
        closeCode.complete(new int[]{statusCode});
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeReason.complete("error: " + error);
        closeCode.complete(new int[]{1006});
    }

    /** Starts reading (for a client connected with {@link #connectNotReading}). */
    void startReading() {
        socket.request(Long.MAX_VALUE);
    }

    void sendText(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Sends a request with a fresh message id and returns that id. */
    long request(String type, JsonValue data) {
        long id = IDS.incrementAndGet();
        sendText(Json.object().add("message_id", id).add("message_type", type).add("data", data).build().toString());
        return id;
    }

    /** Sends a request and returns the reply, checking its type and request_id. */
    JsonObject call(String type, JsonValue data, String replyType) {
        long id = request(type, data);
        JsonObject reply = expect(replyType);
        assertEquals(id, reply.getJsonNumber("request_id").longValue(), "request_id of " + reply);
        return reply;
    }

    /** Sends a request and returns the error it is answered with, checking code and request_id. */
    JsonObject callError(String type, JsonValue data, int code) {
        long id = request(type, data);
        JsonObject error = expectError(code);
        assertEquals(id, error.getJsonObject("data").getJsonNumber("request_id").longValue(), "request_id of " + error);
        assertEquals(id, error.getJsonNumber("request_id").longValue(), "top-level request_id of " + error);
        return error;
    }

    JsonObject next(long timeoutMillis) {
        try {
            return frames.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    JsonObject expect(String type) {
        JsonObject frame = next(10_000);
        assertNotNull(frame, "expected a '" + type + "' frame, got nothing");
        assertEquals(type, frame.getString("message_type"), "frame " + frame);
        assertNotNull(frame.get("timestamp"), "timestamp of " + frame);
        assertNotNull(frame.get("message_id"), "message_id of " + frame);
        return frame;
    }

    JsonObject expectError(int code) {
        JsonObject error = expect("error");
        assertEquals(code, error.getJsonObject("data").getInt("code"), "error " + error);
        assertNotNull(error.getJsonObject("data").getString("message"));
        return error;
    }

    void expectNothing(long millis) {
        JsonObject frame = next(millis);
        assertNull(frame, "expected no frame, got " + frame);
    }

    /** Waits for the server's close and returns its code; the reason is in {@link #closeReason()}. */
    int awaitClose(long timeoutMillis) {
        try {
            return closeCode.get(timeoutMillis, TimeUnit.MILLISECONDS)[0];
        } catch (Exception e) {
            fail("the connection was not closed within " + timeoutMillis + " ms");
            return -1;
        }
    }

    String closeReason() {
        return closeReason.getNow(null);
    }

    boolean isClosed() {
        return closeCode.isDone();
    }

    /** Drops the TCP connection without a close handshake. */
    void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    void close(int code, String reason) {
        socket.sendClose(code, reason).orTimeout(10, TimeUnit.SECONDS).join();
    }
}
