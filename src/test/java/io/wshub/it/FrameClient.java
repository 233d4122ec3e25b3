package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A real WebSocket client (java.net.http) that sends text frames exactly as given and keeps the server's frames as
 * they came, whatever the wire format: for the JSON-RPC and go-ws endpoints, whose frames are not GoHub's.
 */
final class FrameClient implements WebSocket.Listener, AutoCloseable {

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    static FrameClient connect(URI uri) {
        return connect(uri, Map.of());
    }

    /** Connects with extra request headers ({@code token}, {@code Authorization}). */
    static FrameClient connect(URI uri, Map<String, String> headers) {
        WebSocket.Builder builder = WsClient.HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        headers.forEach(builder::header);
        FrameClient client = new FrameClient();
        client.socket = builder.buildAsync(uri, client).orTimeout(20, TimeUnit.SECONDS).join();
        return client;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frames.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.complete(1006);
    }

    void send(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** The next frame's text, or null after {@code millis}. */
    String nextText(long millis) {
        try {
            return frames.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next frame, parsed (an object or, for a JSON-RPC batch, an array). */
    JsonValue next() {
        String text = nextText(10_000);
        assertNotNull(text, "expected a frame, got nothing");
        return Json.parse(text);
    }

    JsonObject nextObject() {
        return next().asJsonObject();
    }

    void expectNothing(long millis) {
        String text = nextText(millis);
        assertNull(text, "expected no frame, got " + text);
    }

    int awaitClose(long millis) {
        try {
            return closeCode.get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the connection was not closed within " + millis + " ms", e);
        }
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }
}
