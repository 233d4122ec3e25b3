package io.wshub.it;

import io.wshub.it.app.CreateRoomHandler;
import io.wshub.it.app.DirectBeansHandler;
import io.wshub.it.app.EventLog;
import io.wshub.it.app.FailingHandler;
import io.wshub.it.app.GrizzlyChunks;
import io.wshub.it.app.InspectHandler;
import io.wshub.it.app.OwnChunksServlet;
import io.wshub.it.app.ShoutHandler;
import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.eventually;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub on a real Payara Micro with real WebSocket clients: the GoHub protocol, its errors, the three GoHub defects
 * we must not share, custom handlers and CDI events. One deployment (one boot) for all of them.
 */
@ExtendWith(ArquillianExtension.class)
class HubIT extends DeployedHub {

    static final String CONFIG = """
            wshub.node-id=it-node
            wshub.allow-query-client-id=true
            wshub.max-message-bytes=16384
            wshub.send-queue.max-frames=256
            wshub.send-queue.max-bytes=1048576
            wshub.idle-timeout=5
            wshub.ping-interval=1
            """;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("hub", CONFIG, ShoutHandler.class, FailingHandler.class, EventLog.class,
                InspectHandler.class, CreateRoomHandler.class, ShoutHandler.Shout.class, DirectBeansHandler.class,
                GrizzlyChunks.class, OwnChunksServlet.class);
    }

    @Test
    void connectedFrameGivesUnguessableClientIdAndGuestUser() {
        try (WsClient a = WsClient.connect(ws()); WsClient b = WsClient.connect(ws())) {
            assertTrue(Pattern.matches("[A-Za-z0-9_-]{22}", a.clientId), a.clientId);
            assertNotEquals(a.clientId, b.clientId);
            assertTrue(Pattern.matches("guest-[0-9a-f]{12}", a.userId), a.userId);
            assertNotEquals(a.userId, b.userId);
        }
    }

    @Test
    void connectedFrameNamesTheNode() {
        try (WsClient a = WsClient.open(ws())) {
            JsonObject connected = a.expect("connected");
            assertEquals("it-node", connected.getJsonObject("data").getString("node_id"));
        }
    }

    /** GoHub defect: every reply carried request_id 0. */
    @Test
    void pingRepliesPongWithTheRequestId() {
        try (WsClient client = WsClient.connect(ws())) {
            long ts = System.currentTimeMillis();
            JsonObject pong = client.call("ping", data("ts", ts), "pong").getJsonObject("data");
            assertEquals(ts, pong.getJsonNumber("ts").longValue());
            long serverTs = pong.getJsonNumber("server_ts").longValue();
            assertTrue(serverTs >= ts, pong.toString());
            assertEquals(serverTs - ts, pong.getJsonNumber("rtt").longValue());
            long first = client.request("ping", data("ts", 1));
            long second = client.request("ping", data("ts", 2));
            assertEquals(first, client.expect("pong").getJsonNumber("request_id").longValue());
            assertEquals(second, client.expect("pong").getJsonNumber("request_id").longValue());
        }
    }

    @Test
    void echoRepliesWithTheSameData() {
        try (WsClient client = WsClient.connect(ws())) {
            JsonObject payload = data("text", "Hello, GoHub!", "n", 42, "nested", data("list", Json.PROVIDER
                    .createArrayBuilder().add(1).add("two").build()));
            assertEquals(payload, client.call("echo", payload, "echo").getJsonObject("data"));
        }
    }

    @Test
    void joinAndLeaveWithTheirErrors() {
        String room = unique("room");
        try (WsClient client = WsClient.connect(ws())) {
            JsonObject joined = client.call("join_room", data("room_id", room), "room_joined").getJsonObject("data");
            assertEquals(room, joined.getString("room_id"));
            assertEquals("joined", joined.getString("status"));
            client.callError("join_room", data("room_id", room), 3004);
            JsonObject left = client.call("leave_room", data("room_id", room), "room_left").getJsonObject("data");
            assertEquals(room, left.getString("room_id"));
            assertEquals("left", left.getString("status"));
            client.callError("leave_room", data("room_id", room), 3003);
            client.callError("room_message", data("room_id", room, "content", "hi"), 3003);
        }
    }

    /** GoHub defect: a room broadcast never reached members on the same node. */
    @Test
    void roomMessageReachesEveryOtherLocalMemberOnce() {
        String room = unique("chat");
        try (WsClient alice = WsClient.connect(ws()); WsClient bob = WsClient.connect(ws());
             WsClient carol = WsClient.connect(ws()); WsClient outsider = WsClient.connect(ws())) {
            for (WsClient member : List.of(alice, bob, carol)) {
                member.call("join_room", data("room_id", room), "room_joined");
            }
            JsonObject content = data("text", "hello room");
            alice.request("room_message", data("room_id", room, "content", content));
            for (WsClient receiver : List.of(bob, carol)) {
                JsonObject message = receiver.expect("room_message");
                JsonObject body = message.getJsonObject("data");
                assertEquals(room, body.getString("room_id"));
                assertEquals(content, body.getJsonObject("content"));
                assertEquals(alice.userId, body.getString("sender_id"));
                assertTrue(body.getJsonNumber("timestamp").longValue() > 0);
                assertFalse(message.containsKey("request_id"), "a pushed message answers no request: " + message);
            }
            bob.request("room_message", data("room_id", room, "content", "plain text works too"));
            assertEquals("plain text works too", alice.expect("room_message").getJsonObject("data").getString("content"));
            assertEquals("plain text works too", carol.expect("room_message").getJsonObject("data").getString("content"));
            alice.expectNothing(300);
            bob.expectNothing(0);
            carol.expectNothing(0);
            outsider.expectNothing(0);
        }
    }

    /**
     * A room larger than one fan-out slice is written through the fan-out lanes; a sender that pipelines its messages
     * queues them faster than the lanes write, so frames wait together and go out in one socket write
     * (wshub_frames_batched_total). Every member still gets every message once, whole and in order.
     */
    @Test
    void aLargeRoomGetsEveryMessageOnceInOrderThroughTheFanOutLanesWithWaitingFramesBatched() throws Exception {
        String room = unique("large");
        double connectionsBefore = metric("wshub_connections_current");
        List<WsClient> members = new ArrayList<>();
        try {
            List<CompletableFuture<WsClient>> connecting = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                connecting.add(WsClient.connectAsync(ws()));
            }
            for (CompletableFuture<WsClient> client : connecting) {
                members.add(client.get(30, TimeUnit.SECONDS).greeted());
            }
            for (WsClient member : members) {
                member.call("join_room", data("room_id", room), "room_joined");
            }
            double batchedBefore = metric("wshub_frames_batched_total");
            WsClient sender = members.get(0);
            int messages = 60;
            for (int n = 0; n < messages; n++) {
                sender.request("room_message", data("room_id", room, "content", data("n", n)));
            }
            for (WsClient receiver : members.subList(1, members.size())) {
                for (int n = 0; n < messages; n++) {
                    JsonObject message = receiver.expect("room_message");
                    assertEquals(n, message.getJsonObject("data").getJsonObject("content").getInt("n"),
                            "message " + n + " of " + receiver.userId);
                }
            }
            members.get(members.size() - 1).expectNothing(200);
            sender.expectNothing(0);
            assertTrue(metric("wshub_frames_batched_total") > batchedBefore,
                    "frames that waited for a lane went out together");
        } finally {
            members.forEach(WsClient::close);
            // the next tests count connections: wait until these 300 are gone
            for (int i = 0; i < 200 && metric("wshub_connections_current") > connectionsBefore; i++) {
                Thread.sleep(100);
            }
        }
    }

    @Test
    void directMessageReachesEveryConnectionOfTheUser() {
        String chosen = unique("bob");
        String bob = "guest-" + chosen;
        try (WsClient alice = WsClient.connect(ws());
             WsClient bobPhone = WsClient.connect(ws("?client_id=" + chosen));
             WsClient bobLaptop = WsClient.connect(ws("?client_id=" + chosen))) {
            assertEquals(bob, bobPhone.userId);
            assertEquals(bob, bobLaptop.userId);
            alice.request("direct_message", data("target_id", bob, "content", data("text", "psst")));
            for (WsClient device : List.of(bobPhone, bobLaptop)) {
                JsonObject body = device.expect("direct_message").getJsonObject("data");
                assertEquals("psst", body.getJsonObject("content").getString("text"));
                assertEquals(alice.userId, body.getString("sender_id"));
                assertTrue(body.getJsonNumber("timestamp").longValue() > 0);
            }
            alice.expectNothing(300);
            alice.callError("direct_message", data("target_id", unique("nobody"), "content", "x"), 4001);
            alice.callError("direct_message", data("content", "x"), 1001);
        }
    }

    /** The memory engines: a room's history, recovery and the history request on a single node without Redis. */
    @Test
    void aRoomWithHistoryRecoversOnASingleNodeWithoutRedis() {
        String room = unique("kept");
        try (WsClient alice = WsClient.connect(ws()); WsClient bob = WsClient.connect(ws())) {
            alice.call("test_create_room", data("room_id", room, "history_size", 100), "test_room_created");
            JsonObject joined = alice.call("join_room", data("room_id", room), "room_joined").getJsonObject("data");
            assertEquals(0, joined.getJsonNumber("offset").longValue());
            String epoch = joined.getString("epoch");
            assertEquals(epoch, bob.call("join_room", data("room_id", room), "room_joined").getJsonObject("data")
                    .getString("epoch"));
            for (int i = 1; i <= 5; i++) {
                alice.request("room_message", data("room_id", room, "content", "m" + i));
                JsonObject pushed = bob.expect("room_message").getJsonObject("data");
                assertEquals(i, pushed.getJsonNumber("offset").longValue());
                assertEquals("m" + i, pushed.getString("content"));
            }
            bob.abort();
            for (int i = 6; i <= 8; i++) {
                alice.request("room_message", data("room_id", room, "content", "m" + i));
            }
            JsonObject history = alice.call("history", data("room_id", room, "since_offset", 5), "history")
                    .getJsonObject("data");
            assertEquals(8, history.getJsonNumber("offset").longValue());
            assertEquals(List.of(6, 7, 8), history.getJsonArray("messages").stream()
                    .map(m -> m.asJsonObject().getInt("offset")).toList());
            try (WsClient back = WsClient.connect(ws())) {
                JsonObject again = back.call("join_room", data("room_id", room, "recover",
                        data("offset", 5, "epoch", epoch)), "room_joined").getJsonObject("data");
                assertTrue(again.getBoolean("recovered"));
                assertEquals(8, again.getJsonNumber("offset").longValue());
                for (int i = 6; i <= 8; i++) {
                    assertEquals("m" + i, back.expect("room_message").getJsonObject("data").getString("content"));
                }
                alice.request("room_message", data("room_id", room, "content", "m9"));
                JsonObject live = back.expect("room_message").getJsonObject("data");
                assertEquals(9, live.getJsonNumber("offset").longValue());
                back.expectNothing(300);
            }
        }
    }

    /** The memory engines: an acknowledged direct message is redelivered until acknowledged, on one node. */
    @Test
    void anAcknowledgedDirectMessageIsRedeliveredUntilAcknowledgedOnASingleNode() {
        String chosen = unique("acker");
        try (WsClient alice = WsClient.connect(ws()); WsClient bob = WsClient.connect(ws("?client_id=" + chosen))) {
            long request = alice.request("direct_message", data("target_id", bob.userId, "content", "important",
                    "ack", true, "ack_timeout_ms", 300, "ack_retries", 2));
            JsonObject first = bob.expect("direct_message").getJsonObject("data");
            assertTrue(first.getBoolean("ack_required"));
            String ackId = first.getString("ack_id");
            JsonObject second = bob.expect("direct_message").getJsonObject("data");
            assertEquals(ackId, second.getString("ack_id"), "a retry carries the same ack_id");
            assertTrue(second.getBoolean("redelivered"));
            bob.request("ack", data("ack_id", ackId));
            JsonObject acked = alice.expect("direct_acked");
            assertEquals(request, acked.getJsonNumber("request_id").longValue());
            assertEquals(ackId, acked.getJsonObject("data").getString("ack_id"));
            assertEquals(bob.clientId, acked.getJsonObject("data").getString("client_id"));
            bob.expectNothing(700);
        }
    }

    /** GoHub defect: connecting with another client's id took over its messages. */
    @Test
    void queryClientIdCannotHijackAnExistingConnection() {
        String chosen = unique("victim");
        String victim = "guest-" + chosen;
        try (WsClient original = WsClient.connect(ws("?client_id=" + chosen));
             WsClient intruder = WsClient.connect(ws("?client_id=" + chosen));
             WsClient sender = WsClient.connect(ws())) {
            assertNotEquals(original.clientId, intruder.clientId);
            original.call("ping", data("ts", 1), "pong");
            assertFalse(original.isClosed(), "the first connection must stay open");
            sender.request("direct_message", data("target_id", victim, "content", "for the user"));
            assertEquals("for the user", original.expect("direct_message").getJsonObject("data").getString("content"));
            assertEquals("for the user", intruder.expect("direct_message").getJsonObject("data").getString("content"));
        }
    }

    @Test
    void invalidQueryClientIdIsRefusedWithAReason() {
        try (WsClient client = WsClient.open(ws("?client_id=bad%20id%21"))) {
            client.expectError(1001);
            assertEquals(1008, client.awaitClose(10_000));
            assertEquals("invalid client_id", client.closeReason());
        }
    }

    /**
     * A connection refused at open handles nothing, even frames the client pipelined with the upgrade: it gets its
     * error frame and its close, and nothing else (no connected frame, no pong, no room joined).
     */
    @Test
    void aConnectionRefusedAtOpenHandlesNoFrameAtAll() throws Exception {
        String room = unique("never-joined");
        String[] pipelined = {
                "{\"message_id\":1,\"message_type\":\"ping\",\"data\":{}}",
                "{\"message_id\":2,\"message_type\":\"join_room\",\"data\":{\"room_id\":\"" + room + "\"}}",
                "{\"message_id\":3,\"message_type\":\"echo\",\"data\":{}}"};
        for (String[] refusal : List.of(new String[]{"?client_id=bad%20id", "invalid client_id"},
                new String[]{"?platform=nokia", "invalid platform"},
                new String[]{"?client_id=fine&platform=windows95", "invalid platform"})) {
            try (RawWebSocket raw = new RawWebSocket(ws(refusal[0]), pipelined)) {
                RawWebSocket.Frame error = raw.read();
                assertEquals(RawWebSocket.TEXT, error.opcode(), error.text());
                JsonObject frame = Json.parse(error.text()).asJsonObject();
                assertEquals("error", frame.getString("message_type"), error.text());
                assertEquals(1001, frame.getJsonObject("data").getInt("code"));
                RawWebSocket.Frame close = raw.read();
                assertEquals(RawWebSocket.CLOSE, close.opcode(), "nothing but the close after the error: "
                        + close.text());
                assertEquals(1008, close.closeCode());
                assertEquals(refusal[1], close.closeReason());
            }
        }
        try (WsClient inspector = WsClient.connect(ws())) {
            assertFalse(inspect(inspector).getJsonArray("room_ids").toString().contains(room),
                    "the pipelined join was not handled");
        }
    }

    /**
     * One frame used to silence a whole room: an unpaired surrogate (a JSON escape) in a room message left every
     * other member open and deaf. The decoder refuses such a frame; the room and the sender keep working.
     */
    @Test
    void anUnencodableFrameIsRefusedAndSilencesNobody() throws Exception {
        String room = unique("surrogate");
        try (WsClient sender = WsClient.connect(ws()); WsClient member = WsClient.connect(ws());
             WsClient other = WsClient.connect(ws())) {
            for (WsClient client : List.of(sender, member, other)) {
                client.call("join_room", data("room_id", room), "room_joined");
            }
            sender.sendText("{\"message_id\":41,\"message_type\":\"room_message\",\"data\":{\"room_id\":\""
                    + room + "\",\"content\":\"bad \\ud800\"}}");
            JsonObject refused = sender.expectError(1001);
            assertEquals(41, refused.getJsonObject("data").getInt("request_id"));
            sender.sendText("{\"message_id\":42,\"message_type\":\"echo\",\"data\":{\"x\":\"\\udc00\"}}");
            sender.expectError(1001);
            sender.sendText("{\"message_id\":43,\"message_type\":\"bad\\ud800type\",\"data\":{}}");
            sender.expectError(1001);
            sender.request("room_message", data("room_id", room, "content", "still here \ud83d\ude00"));
            for (WsClient receiver : List.of(member, other)) {
                assertEquals("still here \ud83d\ude00", receiver.expect("room_message").getJsonObject("data")
                        .getString("content"));
                receiver.call("ping", data("ts", 1), "pong");
            }
            sender.call("ping", data("ts", 1), "pong");
        }
    }

    @Test
    void badInputGetsAnErrorFrameAndTheConnectionStaysOpen() {
        try (WsClient client = WsClient.connect(ws())) {
            client.sendText("this is not json");
            client.expectError(1001);
            client.sendText("[1,2,3]");
            client.expectError(1001);
            client.sendText("{\"message_id\": 5, \"data\": {}}");
            assertEquals(5, client.expectError(1001).getJsonObject("data").getInt("request_id"));
            client.sendText("{\"message_id\": 6, \"message_type\": 17}");
            assertEquals(6, client.expectError(1001).getJsonObject("data").getInt("request_id"));
            client.sendText("{\"message_id\": \"abc\", \"message_type\": \"ping\"}");
            client.expectError(1002);
            client.sendText("{\"message_id\": 1.5, \"message_type\": \"ping\"}");
            client.expectError(1002);
            client.callError("no_such_type", data(), 1006);
            client.sendText("{\"message_id\": 7, \"message_type\": \"echo\", \"data\": \"not an object\"}");
            assertEquals(7, client.expectError(1001).getJsonObject("data").getInt("request_id"));
            client.callError("join_room", data("room_id", 5), 1001);
            client.callError("join_room", data(), 1001);
            client.callError("join_room", data("room_id", "x".repeat(129)), 1001);
            client.callError("room_message", data("room_id", "r"), 1001);
            client.sendBinary(new byte[]{1, 2, 3});
            client.expectError(1001);
            client.call("ping", data("ts", 1), "pong");
            assertFalse(client.isClosed());
        }
    }

    @Test
    void tooLargeFrameGets4002AndClose1009() {
        try (WsClient client = WsClient.connect(ws())) {
            long id = client.request("echo", data("text", "x".repeat(20_000)));
            JsonObject error = client.expectError(4002);
            assertEquals(id, error.getJsonObject("data").getJsonNumber("request_id").longValue());
            assertEquals(1009, client.awaitClose(10_000));
            assertEquals("message too big", client.closeReason());
        }
    }

    @Test
    void hugeFrameIsRefusedByTheContainerWithClose1009() {
        try (WsClient client = WsClient.connect(ws())) {
            try {
                client.request("echo", data("text", "x".repeat(200_000)));
            } catch (java.util.concurrent.CompletionException closedWhileSending) {
                // the container refuses the frame from its header: its close may come before the client has written
                // it all, and Java's client then fails the send ("closed output"); the close is what counts
                assertInstanceOf(java.io.IOException.class, closedWhileSending.getCause(), closedWhileSending::toString);
            }
            assertEquals(1009, client.awaitClose(10_000));
            assertFalse(client.closeReason().isEmpty());
        }
    }

    @Test
    void applicationHandlerBeanIsFoundWithoutRegistration() {
        try (WsClient client = WsClient.connect(ws())) {
            JsonObject reply = client.call("shout", data("text", "hello"), "shouted");
            assertEquals("HELLO", reply.getJsonObject("data").getString("text"));
            client.callError("shout", data("text", data("not", "a string")), 1001);
        }
    }

    @Test
    void failingHandlerGets1003AndHandlerFailedEvent() {
        try (WsClient client = WsClient.connect(ws()); WsClient inspector = WsClient.connect(ws())) {
            client.callError("test_fail", data(), 1003);
            client.call("ping", data(), "pong");
            List<String> events = events(inspector, client.clientId);
            assertTrue(events.contains("failed " + client.clientId + " test_fail 1003 cause=deliberate test failure"),
                    events.toString());
        }
    }

    @Test
    void cdiEventsReportConnectMessagesAndDisconnectWithReason() throws Exception {
        try (WsClient inspector = WsClient.connect(ws())) {
            WsClient client = WsClient.connect(ws());
            long echoId = client.request("echo", data());
            client.expect("echo");
            client.callError("no_such_type", data(), 1006);
            client.close(4000, "done for today");
            String disconnected = "disconnected " + client.clientId + " 4000 done for today";
            List<String> events = List.of();
            for (int i = 0; i < 50 && !events.contains(disconnected); i++) {
                Thread.sleep(100);
                events = events(inspector, client.clientId);
            }
            assertEquals(List.of(
                    "connected " + client.clientId + " " + client.userId + " it-node",
                    "received " + client.clientId + " echo " + echoId,
                    "failed " + client.clientId + " no_such_type 1006",
                    disconnected), events);
        }
    }

    @Test
    void slowConsumerIsClosedWithoutSlowingTheRoom() throws Exception {
        String room = unique("flood");
        int messages = 3000;
        String content = "y".repeat(8000);
        WsClient slow = WsClient.connectNotReading(ws());
        try (WsClient sender = WsClient.connect(ws()); WsClient fast = WsClient.connect(ws())) {
            slow.sendText(Json.object().add("message_type", "join_room").add("data", data("room_id", room))
                    .build().toString());
            sender.call("join_room", data("room_id", room), "room_joined");
            fast.call("join_room", data("room_id", room), "room_joined");
            CompletableFuture<Integer> received = CompletableFuture.supplyAsync(() -> {
                int count = 0;
                while (count < messages) {
                    JsonObject frame = fast.next(30_000);
                    if (frame == null) {
                        break;
                    }
                    if (frame.getString("message_type").equals("room_message")) {
                        count++;
                    }
                }
                return count;
            });
            for (int i = 0; i < messages; i++) {
                sender.request("room_message", data("room_id", room, "content", content));
            }
            sender.call("ping", data("ts", 1), "pong");
            assertEquals(messages, received.get(), "the fast member must get every message");
            slow.startReading();
            assertEquals(1008, slow.awaitClose(30_000), slow.closeReason());
            assertEquals("slow consumer", slow.closeReason());
            assertFalse(fast.isClosed());
            assertTrue(metric("wshub_slow_consumer_disconnects_total") >= 1);
        } finally {
            slow.abort();
        }
    }

    @Test
    void silentConnectionIsClosedAfterIdleTimeoutButApplicationPingKeepsOneAlive() throws Exception {
        try (RawWebSocket silent = new RawWebSocket(ws()); RawWebSocket chatty = new RawWebSocket(ws())) {
            assertTrue(silent.read().text().contains("\"connected\""));
            assertTrue(chatty.read().text().contains("\"connected\""));
            CompletableFuture<RawWebSocket.Frame> silentClose = CompletableFuture.supplyAsync(() -> {
                try {
                    int pings = 0;
                    while (true) {
                        RawWebSocket.Frame frame = silent.read();
                        if (frame.opcode() == RawWebSocket.PING) {
                            pings++;
                        } else if (frame.opcode() == RawWebSocket.CLOSE) {
                            assertTrue(pings >= 2, "the server pings before it gives up: " + pings);
                            return frame;
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Never answers WebSocket pings, but sends an application ping each second for longer than the timeout.
            for (int i = 0; i < 8; i++) {
                chatty.sendText("{\"message_id\":" + i + ",\"message_type\":\"ping\",\"data\":{}}");
                RawWebSocket.Frame frame;
                do {
                    frame = chatty.read();
                    assertNotEquals(RawWebSocket.CLOSE, frame.opcode(), "closed: " + frame.closeReason());
                } while (frame.opcode() != RawWebSocket.TEXT);
                assertTrue(frame.text().contains("\"pong\""), frame.text());
                Thread.sleep(1000);
            }
            RawWebSocket.Frame close = silentClose.get();
            assertEquals(1001, close.closeCode());
            assertEquals("idle timeout", close.closeReason());
        }
    }

    @Test
    void disconnectCleansUpRoomsUsersAndConnections() throws Exception {
        try (WsClient inspector = WsClient.connect(ws())) {
            JsonObject before = awaitQuiet(inspector);
            int clients = 2000;
            List<WsClient> connected = new ArrayList<>();
            List<CompletableFuture<WsClient>> pending = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                pending.add(WsClient.connectAsync(ws(i % 4 == 0 ? "?client_id=shared-user-" + (i % 40) : "")));
                if (pending.size() == 100) {
                    pending.forEach(p -> connected.add(p.join().greeted()));
                    pending.clear();
                }
            }
            String prefix = unique("crowd");
            for (int i = 0; i < clients; i++) {
                connected.get(i).request("join_room", data("room_id", prefix + "-" + (i % 50)));
            }
            for (WsClient client : connected) {
                client.expect("room_joined");
            }
            JsonObject full = inspect(inspector);
            assertEquals(before.getInt("connections") + clients, full.getInt("connections"));
            assertEquals(before.getInt("rooms") + 50, full.getInt("rooms"));
            assertEquals(before.getInt("memberships") + clients, full.getInt("memberships"));
            assertEquals(before.getInt("directory_memberships") + clients, full.getInt("directory_memberships"));
            assertEquals(before.getInt("directory_clients") + clients, full.getInt("directory_clients"));
            for (int i = 0; i < clients; i++) {
                if (i % 2 == 0) {
                    connected.get(i).close();
                } else {
                    connected.get(i).abort();
                }
            }
            JsonObject after = inspect(inspector);
            // a departure leaves the connection count first, then the user index, then its rooms and memberships:
            // wait until every count is back (or 20 s), then check each
            List<String> counts = List.of("connections", "users", "rooms", "memberships", "directory_clients",
                    "directory_users", "directory_memberships");
            for (int i = 0; i < 100 && !sameCounts(before, after, counts); i++) {
                Thread.sleep(200);
                after = inspect(inspector);
            }
            assertEquals(before.getInt("connections"), after.getInt("connections"), after.toString());
            assertEquals(before.getInt("users"), after.getInt("users"), after.toString());
            assertEquals(before.getInt("rooms"), after.getInt("rooms"), after.toString());
            assertEquals(before.getInt("memberships"), after.getInt("memberships"), after.toString());
            assertEquals(before.getInt("directory_clients"), after.getInt("directory_clients"), after.toString());
            assertEquals(before.getInt("directory_users"), after.getInt("directory_users"), after.toString());
            assertEquals(before.getInt("directory_memberships"), after.getInt("directory_memberships"),
                    after.toString());
            assertEquals(before.getInt("connections"), (int) metric("wshub_connections_current"));
            assertEquals(before.getInt("local_rooms"), (int) metric("wshub_rooms_current"));
        }
    }

    /**
     * A client that sends its upgrade request and closes at once is never reported closed by the container: the
     * hub's next ping (every second here) cannot be written and ends the connection, long before the idle timeout.
     */
    @Test
    void aClientGoneDuringTheUpgradeDoesNotStayConnected() throws Exception {
        try (WsClient inspector = WsClient.connect(ws())) {
            JsonObject before = awaitQuiet(inspector);
            for (int i = 0; i < 40; i++) {
                try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
                    socket.getOutputStream().write(("GET " + ws().getRawPath() + " HTTP/1.1\r\nHost: x\r\n"
                            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                            + "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    socket.shutdownOutput(); // FIN before reading the 101
                }
            }
            long start = System.currentTimeMillis();
            JsonObject after = inspect(inspector);
            while (after.getInt("connections") != before.getInt("connections")
                    && System.currentTimeMillis() - start < 3500) {
                Thread.sleep(100);
                after = inspect(inspector);
            }
            assertEquals(before.getInt("connections"), after.getInt("connections"),
                    "connections of gone clients left within about a ping interval, not the idle timeout");
            assertEquals(before.getInt("users"), after.getInt("users"));
        }
    }

    @Test
    void metricsAndHealthAreServedWithOurNames() throws Exception {
        try (WsClient client = WsClient.connect(ws())) {
            client.call("echo", data(), "echo");
            client.callError("no_such_type", data(), 1006);
            String metrics = http("/metrics").body();
            for (String name : List.of("wshub_connections_current", "wshub_connections_total",
                    "wshub_messages_received_total{mp_scope=\"application\",type=\"echo\"}",
                    "wshub_messages_sent_total", "wshub_rooms_current", "wshub_errors_total{code=\"1006\"",
                    "wshub_slow_consumer_disconnects_total", "wshub_handler_seconds_count")) {
                assertTrue(metrics.contains(name), name + " missing from /metrics");
            }
            assertTrue(metric("wshub_connections_current") >= 1);

            HttpResponse<String> live = http("/health/live");
            assertEquals(200, live.statusCode(), live.body());
            assertTrue(live.body().contains("\"wshub-liveness\""), live.body());
            HttpResponse<String> ready = http("/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            JsonObject readiness = Json.parse(ready.body()).asJsonObject().getJsonArray("checks")
                    .getValuesAs(JsonObject.class).stream()
                    .filter(check -> check.getString("name").equals("wshub-readiness")).findFirst().orElseThrow();
            assertEquals("UP", readiness.getString("status"));
            assertEquals("it-node", readiness.getJsonObject("data").getString("node_id"));
        }
    }

    /**
     * Hot paths keep each bean's {@code direct()} instead of its client proxy. A plain {@code return this} came back as
     * the proxy (Weld's client proxy returns itself in place of the instance), so every call still went through it.
     */
    @Test
    void directBeansAreTheBeansThemselvesNotTheirClientProxies() {
        try (WsClient client = WsClient.connect(ws())) {
            JsonObject classes = client.call("test_direct_beans", data(), "test_direct_beans").getJsonObject("data");
            assertTrue(classes.getString("injected Hub").contains("Proxy"), "the injected field is a client proxy: "
                    + classes.getString("injected Hub"));
            for (String bean : List.of("Hub", "HubConfig", "Messenger", "LimitsConfig", "HubMetrics", "RoomRegistry",
                    "Dispatcher", "ClusterCalls")) {
                String type = classes.getString(bean);
                assertFalse(type.contains("Proxy"), bean + ".direct() gave " + type);
                assertTrue(type.startsWith("io.wshub."), bean + ".direct() gave " + type);
            }
        }
    }

    /**
     * Fails when a Tyrus upgrade moves the fields the idle-timer fix replaces: every session so far must have had the
     * fix installed, and all but the first few must have been constructed with it (the container's scheduler
     * was replaced), so that not even the idle timer set in Tyrus's constructor goes through the managed executor.
     */
    @Test
    void tyrusIdleTimerFixIsInstalledOnEverySession() throws Exception {
        try (WsClient first = WsClient.connect(ws()); WsClient client = WsClient.connect(ws())) {
            client.call("echo", data(), "echo");
            assertEverySessionCounted("tyrus_idle_timer_fix", "applied to");
            long sessions = (long) metric("wshub_connections_total");
            // the first session replaces the container's scheduler; a few more may have been constructed beside it
            long bornWithFix = readinessNumber("tyrus_sessions_born_with_fix");
            assertTrue(bornWithFix < sessions && bornWithFix >= sessions - 3,
                    bornWithFix + " of " + sessions + " sessions constructed with the replacement scheduler");
        }
    }

    /** Every session writes raw frames (framed once per message): a test that fails loudly if Tyrus changes. */
    @Test
    void rawFramesAreUsedOnEverySession() throws Exception {
        try (WsClient client = WsClient.connect(ws())) {
            String text = "h\u00e9llo \ud83d\ude00 ".repeat(20) + "x".repeat(70_000 / 20);
            JsonObject reply = client.call("echo", data("text", text), "echo");
            assertEquals(text, reply.getJsonObject("data").getString("text"), "multi-byte text framed by us");
            assertEverySessionCounted("tyrus_raw_frames", "used by");
        }
    }

    /**
     * Every session writes its data frames straight to Grizzly's write queue, after the first one through Tyrus (so
     * the 101 response is on the wire first): many frames in a row arrive whole and in order.
     */
    @Test
    void directWritesAreUsedOnEverySession() throws Exception {
        try (WsClient client = WsClient.connect(ws())) {
            for (int i = 0; i < 200; i++) {
                client.request("echo", data("n", i));
            }
            for (int i = 0; i < 200; i++) {
                JsonObject reply = client.expect("echo");
                assertEquals(i, reply.getJsonObject("data").getInt("n"), "echo replies in order");
            }
            assertEverySessionCounted("grizzly_direct_writes", "used by");
        }
    }

    /**
     * With the shipped pre-boot commands (Grizzly's same-thread I/O strategy), every session opened has its reads
     * moved when its open ends (InPlaceReads), and from then on a connection's frames, its first too, are handled on
     * the selector thread that read them, not handed to the worker pool, and their bytes go from Grizzly to Tyrus's
     * frame reader directly (GrizzlyDirectReads), not through Catalina's read handler and Tyrus's Servlet listener.
     * Each frame of a pipelined run is still answered once and in order.
     */
    @Test
    void everyFrameIsHandledOnTheSelectorThreadThatReadIt() throws Exception {
        try (WsClient client = WsClient.connect(ws())) {
            awaitReadsHandedToTyrusDirectly(client);
            for (int i = 0; i < 6; i++) {
                JsonObject inspected = inspect(client);
                String thread = inspected.getString("thread");
                assertTrue(thread.contains("SelectorRunner"), "frame " + (i + 1) + " handled on " + thread);
                // Handed from Grizzly to Tyrus directly (GrizzlyDirectReads): not through Catalina or Tyrus's listener.
                assertEquals(List.of(DIRECT_READER), readBy(inspected), "frame " + (i + 1) + " read by");
            }
            for (int i = 0; i < 300; i++) {
                client.request("echo", data("n", i));
            }
            for (int i = 0; i < 300; i++) {
                assertEquals(i, client.expect("echo").getJsonObject("data").getInt("n"), "echo replies in order");
            }
            assertUsed("grizzly_in_place_reads");
            assertUsed("grizzly_direct_reads");
        }
    }

    /**
     * A session refused at the open is closed before the open ends; the read shortcuts leave it alone (its container
     * objects are being let go) and stay on for the next session. Once, they took a closed session's objects for a
     * changed container and switched themselves off for good (SEVERE in the log, "failed" in readiness).
     */
    @Test
    void aSessionRefusedAtTheOpenLeavesTheReadShortcutsOn() throws Exception {
        try (WsClient refused = WsClient.open(ws("?client_id=bad%20id%21"))) {
            refused.expectError(1001);
            assertEquals(1008, refused.awaitClose(10_000));
        }
        try (WsClient client = WsClient.connect(ws())) {
            awaitReadsHandedToTyrusDirectly(client);
            assertEquals(List.of(DIRECT_READER), readBy(inspect(client)));
        }
        assertUsed("grizzly_in_place_reads");
        assertUsed("grizzly_direct_reads");
    }

    /** A frame that arrives in many reads, its header split too, is put together whole by Tyrus from direct reads. */
    @Test
    void aFrameReadInPiecesIsHandledWhole() throws Exception {
        try (WsClient inspector = WsClient.connect(ws())) {
            awaitReadsHandedToTyrusDirectly(inspector); // this node hands its sessions' reads to Tyrus directly
        }
        try (RawWebSocket raw = new RawWebSocket(ws())) {
            assertEquals("connected", Json.parse(raw.read().text()).asJsonObject().getString("message_type"));
            String text = "pieces ".repeat(2_000);
            raw.sendTextInPieces("{\"message_id\":7,\"message_type\":\"echo\",\"data\":{\"text\":\"" + text
                    + "\"}}", 12);
            JsonObject reply = Json.parse(raw.read().text()).asJsonObject();
            assertEquals("echo", reply.getString("message_type"), reply.toString());
            assertEquals(7, reply.getInt("request_id"));
            assertEquals(text, reply.getJsonObject("data").getString("text"));
        }
    }

    private static final String DIRECT_READER = "io.wshub.transport.GrizzlyDirectReads$Reader";

    /**
     * The client may see the 101 before the server's open has ended: a frame read before that goes through the
     * container's path, on a worker. Until the open ends, asks again.
     */
    private void awaitReadsHandedToTyrusDirectly(WsClient client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> readers = readBy(inspect(client));
        while (!readers.equals(List.of(DIRECT_READER))) {
            assertTrue(System.nanoTime() < deadline, "read by " + readers + "; readiness "
                    + readiness("grizzly_direct_reads"));
            Thread.sleep(10);
            readers = readBy(inspect(client));
        }
    }

    private static List<String> readBy(JsonObject inspected) {
        return inspected.getJsonArray("read_by").getValuesAs(JsonString::getString);
    }

    /** A container shortcut is on and used: its readiness reads "used by N sessions", not "failed: ..." or "disabled". */
    private void assertUsed(String field) throws Exception {
        String status = readiness(field);
        assertTrue(status.startsWith("used by "), status);
    }

    /** A container shortcut's readiness reads "VERB N sessions" (ContainerShortcut), N every session opened so far. */
    private void assertEverySessionCounted(String field, String verb) throws Exception {
        String status = readiness(field);
        assertTrue(status.startsWith(verb + " "), status);
        assertEquals((long) metric("wshub_connections_total"), Long.parseLong(status.replaceAll("\\D", "")), status);
    }

    /**
     * The scratch buffers and headers of each upgrade request are released once its session is open
     * (UpgradeRequestTrim), and the container still reads requests afterwards: its request objects are recycled and
     * reused by later handshakes, whose headers must be parsed again (each handshake succeeds) and whose
     * (percent-encoded) client_id must come through whole; frames still flow on the trimmed connections.
     */
    @Test
    void upgradeRequestTrimIsAppliedToEverySessionAndLaterHandshakesStillDecodeTheirParameters() throws Exception {
        for (int round = 0; round < 3; round++) {
            List<WsClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    String chosen = unique("trim-" + round + "-" + i + "-" + "x".repeat(40 * i % 90)) + "@host";
                    WsClient client = WsClient.connect(ws("?platform=web&client_id="
                            + chosen.replace("@", "%40")));
                    clients.add(client);
                    assertEquals("guest-" + chosen, client.userId, "the client_id of handshake " + i);
                }
                WsClient last = clients.get(clients.size() - 1);
                last.request("echo", data("n", round));
                assertEquals(round, last.expect("echo").getJsonObject("data").getInt("n"));
            } finally {
                clients.forEach(WsClient::close);
            }
        }
        try (WsClient client = WsClient.connect(ws())) {
            assertEverySessionCounted("grizzly_upgrade_request_trim", "applied to");
        }
    }

    private static final String LENT_CHUNK = "org.glassfish.grizzly.http.util.DataChunk$Immutable";
    private static final String OWN_CHUNK = "org.glassfish.grizzly.http.util.DataChunk";

    /**
     * While a WebSocket is open, its upgrade request lends the chunks only the handshake read (HandshakeChunks). Grizzly
     * pools its request objects, so each must have chunks of its own again before a later request reuses it: after
     * WebSockets closed by the client and by the server, the later requests that Grizzly served with one of their
     * request objects (seen by identity; the test goes on until it has seen some) have chunks of their own and hold
     * their method and query. Without the giving back, such a request carried the shared chunk (one was answered 501,
     * its method read as another request's address). The clients closed by the server sent too much right after
     * `connected`, while their open may still run, and others are dropped: a shortcut that then finds its session
     * closing must not switch itself off for the node (GrizzlyDirectReads did, once in a full run of this class, with
     * "NoSuchFieldException: LingeringClose$Lingering.tyrusHttpUpgradeHandler").
     */
    @Test
    void aWebSocketsLentChunksAreGivenBackBeforeGrizzlyReusesItsRequest() throws Exception {
        try (WsClient open = WsClient.connect(ws())) {
            // the frame may have been handled before the open ended
            eventually("an open WebSocket's handshake chunks are lent",
                    () -> handshakeChunks(inspect(open)).equals(List.of(LENT_CHUNK)));
        }
        java.util.Set<Integer> closedWebSockets = new java.util.HashSet<>();
        int requests = 0;
        int reused = 0;
        for (int round = 0; round < 8 && reused < 3; round++) {
            List<WsClient> clients = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                WsClient client = WsClient.connect(ws());
                clients.add(client);
                if (i % 3 != 2) { // a dropped connection's request is never pooled (Grizzly cancels it)
                    JsonObject inspected = inspect(client);
                    inspected.getJsonArray("grizzly_request_ids").getValuesAs(jakarta.json.JsonNumber.class)
                            .forEach(id -> closedWebSockets.add(id.intValue()));
                }
            }
            for (int i = 0; i < clients.size(); i++) {
                switch (i % 3) {
                    case 0 -> clients.get(i).close();
                    case 1 -> clients.get(i).sendText("x".repeat(20_000)); // above the limit: the server closes
                    default -> clients.get(i).abort();
                }
            }
            for (int i = 1; i < clients.size(); i += 3) {
                assertEquals(1009, clients.get(i).awaitClose(10_000));
            }
            for (int batch = 0; batch < 10; batch++) {
                List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> replies =
                        new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    replies.add(WsClient.HTTP.sendAsync(java.net.http.HttpRequest.newBuilder(
                                    base.resolve("test/own-chunks?n=" + (requests + i))).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()));
                }
                for (int i = 0; i < replies.size(); i++, requests++) {
                    java.net.http.HttpResponse<String> reply = replies.get(i).join();
                    assertEquals(200, reply.statusCode(), reply.body());
                    JsonObject body = Json.parse(reply.body()).asJsonObject();
                    assertEquals(List.of(OWN_CHUNK), body.getJsonArray("chunks").getValuesAs(JsonString::getString),
                            "request " + requests);
                    assertEquals("GET", body.getString("method"));
                    assertEquals(String.valueOf(requests), body.getString("n"));
                    if (body.getJsonArray("ids").getValuesAs(jakarta.json.JsonNumber.class).stream()
                            .anyMatch(id -> closedWebSockets.contains(id.intValue()))) {
                        reused++;
                    }
                }
            }
        }
        assertTrue(reused > 0, "no request reused a closed WebSocket's request objects in " + requests
                + " requests: this test saw nothing");
        // a client that sends too much right after `connected` is closed while its open may still be running: the
        // shortcuts that walk to its container objects then find it closing, which is not their failure
        assertUsed("grizzly_in_place_reads");
        assertUsed("grizzly_direct_reads");
        assertTrue(readiness("grizzly_upgrade_request_trim").startsWith("applied to "));
    }

    private static List<String> handshakeChunks(JsonObject inspected) {
        return inspected.getJsonArray("handshake_chunks").getValuesAs(JsonString::getString);
    }

    private long readinessNumber(String field) throws Exception {
        JsonValue value = readinessData().get(field); // a number, or its text (how Payara renders long data)
        return value instanceof jakarta.json.JsonNumber number ? number.longValue()
                : Long.parseLong(((jakarta.json.JsonString) value).getString());
    }

    private String readiness(String field) throws Exception {
        return readinessData().getString(field);
    }

    private JsonObject readinessData() throws Exception {
        JsonObject readiness = Json.parse(http("/health/ready").body()).asJsonObject().getJsonArray("checks")
                .getValuesAs(JsonObject.class).stream()
                .filter(check -> check.getString("name").equals("wshub-readiness")).findFirst().orElseThrow();
        return readiness.getJsonObject("data");
    }

    static List<String> events(WsClient inspector, String clientId) {
        return inspector.call("test_inspect", data("client_id", clientId), "test_inspected").getJsonObject("data")
                .getJsonArray("events").getValuesAs(jakarta.json.JsonString.class).stream()
                .map(jakarta.json.JsonString::getString).toList();
    }

    private static boolean sameCounts(JsonObject before, JsonObject after, List<String> counts) {
        return counts.stream().allMatch(count -> before.getInt(count) == after.getInt(count));
    }

    static JsonObject inspect(WsClient inspector) {
        return inspector.call("test_inspect", data(), "test_inspected").getJsonObject("data");
    }

    /** Waits until other tests' connections are gone, so that only the inspector is connected. */
    static JsonObject awaitQuiet(WsClient inspector) throws InterruptedException {
        JsonObject state = inspect(inspector);
        for (int i = 0; i < 100 && state.getInt("connections") > 1; i++) {
            Thread.sleep(100);
            state = inspect(inspector);
        }
        assertEquals(1, state.getInt("connections"), state.toString());
        return state;
    }
}
