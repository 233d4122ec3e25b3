package io.wshub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server under test: where it listens, its process ids (for /proc), and what differs between wshub and GoHub
 * (GoHub room members need an HS256 token; GoHub answers {@code echo} with {@code echo_reply}; wshub's admin API
 * needs an admin JWT).
 */
final class Target {

    enum Flavor { WSHUB, GOHUB }

    private static final AtomicLong USERS = new AtomicLong();
    private static final Pattern CLIENTS = Pattern.compile("\"clients\"\\s*:\\s*(\\d+)");

    final String label;
    final Flavor flavor;
    final URI ws;
    final URI http;
    final long[] pids;
    final String adminToken;
    final String gohubSecret;
    final String gohubIssuer;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    Target(String label, Flavor flavor, URI ws, long[] pids, String adminToken, String gohubSecret,
           String gohubIssuer) {
        this.label = label;
        this.flavor = flavor;
        this.ws = ws;
        this.http = URI.create("http://" + ws.getHost() + ":" + ws.getPort());
        this.pids = pids;
        this.adminToken = adminToken;
        this.gohubSecret = gohubSecret;
        this.gohubIssuer = gohubIssuer;
    }

    boolean isGohub() {
        return flavor == Flavor.GOHUB;
    }

    /** The URL of room member {@code i}: with a token that may join rooms on GoHub, anonymous on wshub. */
    URI memberUri(int i) {
        if (flavor == Flavor.GOHUB) {
            // a fresh user id every time: a new GoHub connection of a user id that was in the room before (closed
            // since) is refused with 3004 "client already in room"
            return URI.create(ws + "?token=" + Tokens.gohubMember(gohubSecret, gohubIssuer,
                    "bench-" + USERS.incrementAndGet()));
        }
        return ws;
    }

    /** The message type of an echo's reply. */
    String echoReply() {
        return flavor == Flavor.GOHUB ? "echo_reply" : "echo";
    }

    long cpuTicks() {
        return Proc.cpuTicks(pids);
    }

    long rssKib() {
        long sum = 0;
        for (long pid : pids) {
            sum += Proc.rssKib(pid);
        }
        return sum;
    }

    /** Connections the server reports (GET /api/stats), -1 if it cannot tell. */
    int connectedClients() {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(http.resolve("/api/stats"))
                    .timeout(Duration.ofSeconds(10));
            if (adminToken != null) {
                request.header("Authorization", "Bearer " + adminToken);
            }
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = CLIENTS.matcher(response.body());
            return response.statusCode() == 200 && m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits up to {@code seconds} until the server holds no connection; false if it still holds some. */
    boolean awaitNoClients(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int n = connectedClients();
        if (n < 0) {
            Thread.sleep(2000);
            return true;
        }
        while (n > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            n = connectedClients();
        }
        return n <= 0;
    }

    /** POST /api/broadcast; the HTTP status. */
    int broadcast(String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.resolve("/api/broadcast"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (adminToken != null && flavor == Flavor.WSHUB) {
            request.header("Authorization", "Bearer " + adminToken);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** GET of a path; the HTTP status, -1 when nothing answers. */
    int status(String path) {
        try {
            return client.send(HttpRequest.newBuilder(http.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
