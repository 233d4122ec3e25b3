package io.wshub.it;

import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each configured limit refuses clearly (error frame or HTTP problem) and is counted in metrics. */
@ExtendWith(ArquillianExtension.class)
class LimitsIT extends DeployedHub {

    static final int MAX_CONNECTIONS = 12;
    static final int LINGER_MILLIS = 15_000;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("limits", """
                wshub.limits.max-connections=%d
                wshub.limits.max-connections-per-user=2
                wshub.limits.max-rooms-per-connection=3
                wshub.allow-query-client-id=true
                wshub.rate-limit.echo=5
                wshub.tyrus.close-linger-ms=%d
                """.formatted(MAX_CONNECTIONS, LINGER_MILLIS));
    }

    @Test
    void nodeRefusesUpgradesOverMaxConnectionsWith503() throws Exception {
        awaitNoConnections();
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                clients.add(WsClient.connect(ws()));
            }
            assertEquals(503, WsClient.refusal(ws(), b -> b));
            assertTrue(metric("wshub_limit_rejections_total{limit=\"max-connections\"") >= 1);
        } finally {
            clients.forEach(WsClient::close);
        }
        awaitNoConnections();
        WsClient.connect(ws()).close();
    }

    @Test
    void connectionOverMaxPerUserGets4003AndCloseWhileOthersStay() throws Exception {
        String user = unique("busy");
        try (WsClient first = WsClient.connect(ws("?client_id=" + user));
             WsClient second = WsClient.connect(ws("?client_id=" + user));
             WsClient third = WsClient.open(ws("?client_id=" + user))) {
            third.expectError(4003);
            assertEquals(1008, third.awaitClose(10_000));
            assertEquals("too many connections", third.closeReason());
            first.call("ping", data(), "pong");
            second.call("ping", data(), "pong");
            assertFalse(first.isClosed() || second.isClosed());
        }
    }

    /** An SSE stream is a connection of its user: over the limit it gets the error event, the close event, its end. */
    @Test
    void aStreamOverMaxPerUserGetsTheErrorAndCloseEventsAndEnds() {
        String user = unique("streams");
        try (WsClient first = WsClient.connect(ws("?client_id=" + user));
             WsClient second = WsClient.connect(ws("?client_id=" + user));
             SseClient third = SseClient.open(base.resolve("sse?room=r&client_id=" + user))) {
            assertEquals(200, third.status, third.body);
            assertEquals(4003, third.expect("error").json().getInt("code"));
            JsonObject close = third.expect("close").json();
            assertEquals(1008, close.getInt("code"));
            assertEquals("too many connections", close.getString("reason"));
            third.awaitEnd();
            first.call("ping", data(), "pong");
        }
    }

    /** Over the per-user limit at open: the error and the close, and none of the pipelined requests handled. */
    @Test
    void aConnectionOverTheUserLimitHandlesNoPipelinedFrame() throws Exception {
        String user = unique("pipelined");
        try (WsClient first = WsClient.connect(ws("?client_id=" + user));
             WsClient second = WsClient.connect(ws("?client_id=" + user));
             RawWebSocket third = new RawWebSocket(ws("?client_id=" + user),
                     "{\"message_id\":1,\"message_type\":\"ping\",\"data\":{}}",
                     "{\"message_id\":2,\"message_type\":\"direct_message\",\"data\":{\"target_id\":\""
                             + first.userId + "\",\"content\":\"should never arrive\"}}")) {
            RawWebSocket.Frame error = third.read();
            JsonObject frame = io.wshub.protocol.Json.parse(error.text()).asJsonObject();
            assertEquals("error", frame.getString("message_type"), error.text());
            assertEquals(4003, frame.getJsonObject("data").getInt("code"));
            RawWebSocket.Frame close = third.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), "nothing but the close: " + close.text());
            assertEquals(1008, close.closeCode());
            assertEquals("too many connections", close.closeReason());
            first.expectNothing(500);
        }
    }

    @Test
    void joinOverMaxRoomsPerConnectionIs3005() {
        try (WsClient client = WsClient.connect(ws())) {
            List<String> rooms = List.of(unique("a"), unique("b"), unique("c"));
            rooms.forEach(room -> client.call("join_room", data("room_id", room), "room_joined"));
            client.callError("join_room", data("room_id", unique("d")), 3005);
            client.callError("join_room", data("room_id", rooms.get(0)), 3004);
            client.call("leave_room", data("room_id", rooms.get(0)), "room_left");
            client.call("join_room", data("room_id", unique("e")), "room_joined");
        }
    }

    @Test
    void messagesOverTheRateGet1005AndOtherTypesAreNotLimited() throws Exception {
        try (WsClient client = WsClient.connect(ws())) {
            int sent = 30;
            for (int i = 0; i < sent; i++) {
                client.request("echo", data("i", i));
            }
            int echoed = 0;
            int limited = 0;
            for (int i = 0; i < sent; i++) {
                JsonObject frame = client.next(10_000);
                if (frame.getString("message_type").equals("echo")) {
                    echoed++;
                } else {
                    assertEquals(1005, frame.getJsonObject("data").getInt("code"), frame.toString());
                    assertTrue(frame.containsKey("request_id"));
                    limited++;
                }
            }
            assertTrue(echoed >= 10 && echoed < sent, "burst of 10 plus refill, got " + echoed);
            assertEquals(sent, echoed + limited);
            client.call("ping", data(), "pong");
            assertFalse(client.isClosed(), "occasional excess is answered, not punished");
            assertTrue(metric("wshub_limit_rejections_total{limit=\"rate\"") >= limited);
        }
    }

    @Test
    void sustainedFloodingIsClosedWith1008() {
        try (WsClient client = WsClient.connect(ws())) {
            for (int i = 0; i < 200 && !client.isClosed(); i++) {
                try {
                    client.request("echo", data());
                } catch (java.util.concurrent.CompletionException e) {
                    // the server's close can come between the check and the send: its output is closed then
                    assertTrue(e.getCause() instanceof java.io.IOException, e.toString());
                    break;
                }
            }
            assertEquals(1008, client.awaitClose(10_000));
            assertEquals("rate limit exceeded", client.closeReason());
        }
    }

    /**
     * A client flooding without pause is closed with 1008 while its frames still arrive. The server keeps reading them
     * until the client answers the close, so the close frame is not lost to a TCP reset (closing a socket with unread
     * input resets it): the client reads the 1008, the frames it sent meanwhile (here: for 300 ms after it read the
     * close) meet no reset, and the server ends the connection once the client answered, well before its linger.
     */
    @Test
    void aFloodingClientStillReadsItsCloseFrameWhileItsFramesArrive() throws Exception {
        try (RawWebSocket flooder = new RawWebSocket(ws())) {
            java.util.concurrent.atomic.AtomicLong stopAt = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
            java.util.concurrent.atomic.AtomicReference<Exception> writeFailure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int id = 1; System.nanoTime() < stopAt.get(); id++) {
                        flooder.sendText("{\"message_id\":" + id + ",\"message_type\":\"echo\",\"data\":{}}");
                    }
                } catch (java.io.IOException e) {
                    writeFailure.set(e);
                }
            }, "flooder");
            writer.start();
            RawWebSocket.Frame close;
            int errors = 0;
            try {
                while ((close = flooder.read()).opcode() != RawWebSocket.CLOSE) {
                    errors += close.text().contains("\"message_type\":\"error\"") ? 1 : 0;
                }
            } finally {
                stopAt.set(System.nanoTime() + 300_000_000L);
            }
            writer.join(10_000);
            assertEquals(1008, close.closeCode());
            assertEquals("rate limit exceeded", close.closeReason());
            assertTrue(errors > 0, "4002 errors came before the close");
            assertNull(writeFailure.get(), "the server reset the connection while the client still sent: "
                    + writeFailure.get());
            flooder.sendClose(1008, "");
            long tookMillis = flooder.awaitEndOfStream(20_000);
            assertTrue(tookMillis < LINGER_MILLIS, "the server closed once answered, not after its linger: "
                    + tookMillis + " ms");
        }
        String readiness = http("/health/ready").body();
        assertTrue(readiness.contains("\"tyrus_close_linger\":\"applied to "), readiness);
    }

    private void awaitNoConnections() throws Exception {
        for (int i = 0; i < 100 && metric("wshub_connections_current") > 0; i++) {
            Thread.sleep(100);
        }
        assertEquals(0, (int) metric("wshub_connections_current"));
    }
}
