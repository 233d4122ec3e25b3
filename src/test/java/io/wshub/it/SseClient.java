package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A Server-Sent Events client that asks as a browser's EventSource does ({@code Accept: text/event-stream},
 * {@code Cache-Control: no-cache}, {@code Last-Event-ID} on a reconnect) and parses the stream by the HTML rules: an
 * event is dispatched at a blank line, {@code data} lines are joined with a line feed, a line starting with a colon is
 * a comment, an event without {@code id} keeps the last one.
 */
final class SseClient implements AutoCloseable {

    /** One dispatched event, with the last event id as it stood after it. */
    record Event(String type, String data, String lastEventId, Long retry) {
        JsonObject json() {
            return Json.parse(data).asJsonObject();
        }
    }

    /** HTTP/1.1, as a browser speaks to an http:// origin (no h2c upgrade). */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Event END = new Event("<end of stream>", null, null, null);

    final int status;
    final String contentType;
    final String body;
    private final InputStream stream;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final List<String> idLines = new ArrayList<>();
    private volatile String lastEventId = "";
    private String clientId;

    private SseClient(HttpResponse<InputStream> response) throws IOException {
        status = response.statusCode();
        contentType = response.headers().firstValue("Content-Type").orElse("");
        if (status != 200) {
            body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            stream = null;
            return;
        }
        body = null;
        stream = response.body();
        Thread reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code url} with the given request headers (null values are left out). */
    static SseClient open(URI url, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).GET()
                .header("Accept", "text/event-stream").header("Cache-Control", "no-cache");
        headers.forEach((name, value) -> {
            if (value != null) {
                request.header(name, value);
            }
        });
        try {
            return new SseClient(HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream())
                    .get(15, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new AssertionError("GET " + url + " failed", e);
        }
    }

    static SseClient open(URI url) {
        return open(url, Map.of());
    }

    /** Opens the stream and reads its {@code connected} event. */
    static SseClient connect(URI url, Map<String, String> headers) {
        SseClient client = open(url, headers);
        assertEquals(200, client.status, client.body);
        client.clientId = client.expect("connected").json().getString("client_id");
        return client;
    }

    String clientId() {
        return clientId;
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String type = "";
            StringBuilder data = null;
            Long retry = null;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(type.isEmpty() ? "message" : type, data.toString(), lastEventId, retry));
                    }
                    type = "";
                    data = null;
                    retry = null;
                    continue;
                }
                if (line.startsWith(":")) {
                    comments.incrementAndGet();
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                value = value.startsWith(" ") ? value.substring(1) : value;
                switch (field) {
                    case "event" -> type = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    case "id" -> {
                        lastEventId = value;
                        synchronized (idLines) {
                            idLines.add(value);
                        }
                    }
                    case "retry" -> retry = Long.parseLong(value);
                    default -> {
                    }
                }
            }
        } catch (IOException closed) {
            // the test closed it
        } finally {
            events.add(END);
        }
    }

    /** The next event, waiting up to {@code millis}; null if none came. */
    Event next(long millis) {
        try {
            return events.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next event, which must be of {@code type}. */
    Event expect(String type) {
        Event event = next(10_000);
        assertNotNull(event, "no '" + type + "' event within 10 s");
        assertEquals(type, event.type(), "expected '" + type + "', got " + event);
        return event;
    }

    /** Skips other events until one of {@code type} comes (10 s at most). */
    Event await(String type) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            Event event = next(deadline - System.currentTimeMillis());
            if (event == END) {
                fail("the stream ended before a '" + type + "' event");
            }
            if (event != null && event.type().equals(type)) {
                return event;
            }
        }
        throw new AssertionError("no '" + type + "' event within 10 s");
    }

    void expectNothing(long millis) {
        Event event = next(millis);
        assertNull(event, "unexpected event " + event);
    }

    /** Waits for the server to end the stream. */
    void awaitEnd() {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (next(deadline - System.currentTimeMillis()) == END) {
                return;
            }
        }
        fail("the stream did not end within 10 s");
    }

    String lastEventId() {
        return lastEventId;
    }

    int comments() {
        return comments.get();
    }

    List<String> idLines() {
        synchronized (idLines) {
            return List.copyOf(idLines);
        }
    }

    @Override
    public void close() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
