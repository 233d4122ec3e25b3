package io.wshub.it;

import io.wshub.it.AdminApi.Answer;
import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.wshub.it.AdminApi.assertProblem;
import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.push;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Server-Sent Events transport on a real Payara Micro, read by a plain HTTP client that asks as a browser's
 * EventSource does: the events of rooms, direct messages and broadcasts, heartbeats, refusals as HTTP problems,
 * resumption of rooms with history by {@code Last-Event-ID}, {@code recovery_failed}, the room path's errors, kicks,
 * the admin API's view of SSE connections, and acknowledged pushes that an SSE client never acknowledges. One
 * deployment (one boot) for all of them.
 */
@ExtendWith(ArquillianExtension.class)
class SseIT extends DeployedHub {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "sse-it"));
    static final String ADMIN = TOKENS.inGroups("ops", "wshub-admin");

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("sse", TOKENS.mpJwtConfig() + """
                wshub.node-id=sse-node
                wshub.ping-interval=1
                wshub.idle-timeout=3
                wshub.auth.group.limited=join:open-*
                """);
    }

    URI sse(String... rooms) {
        StringBuilder query = new StringBuilder();
        for (String room : rooms) {
            query.append(query.length() == 0 ? "?" : "&").append("room=")
                    .append(URLEncoder.encode(room, StandardCharsets.UTF_8));
        }
        return base.resolve("sse" + query);
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    AdminApi admin() {
        return new AdminApi(base.resolve("api/"), ADMIN);
    }

    void createRoom(String room, int historySize) throws Exception {
        Answer created = admin().call("POST", "rooms", data("room_id", room, "history_size", historySize).toString());
        assertEquals(201, created.status(), created.body());
    }

    @Test
    void roomMessagesDirectMessagesAndBroadcastsArriveAsEventsWithTheirGoHubData() throws Exception {
        String user = unique("reader");
        String room = unique("lobby");
        try (SseClient stream = SseClient.connect(sse(room), bearer(TOKENS.valid(user)));
             WsClient sender = WsClient.connect(ws())) {
            assertTrue(stream.contentType.startsWith("text/event-stream"), stream.contentType);
            JsonObject joined = stream.expect("room_joined").json();
            assertEquals(room, joined.getString("room_id"));
            assertEquals("joined", joined.getString("status"));

            sender.call("join_room", data("room_id", room), "room_joined");
            sender.request("room_message", data("room_id", room, "content", data("text", "hi")));
            JsonObject message = stream.expect("room_message").json();
            assertEquals(room, message.getString("room_id"));
            assertEquals(data("text", "hi"), message.getJsonObject("content"));
            assertEquals(sender.userId, message.getString("sender_id"));

            sender.request("direct_message", data("target_id", user, "content", "psst"));
            JsonObject direct = stream.expect("direct_message").json();
            assertEquals("psst", direct.getString("content"));
            assertEquals(sender.userId, direct.getString("sender_id"));

            Answer broadcast = admin().call("POST", "broadcast", push("announcement", data("text", "at 5")));
            assertEquals(202, broadcast.status(), broadcast.body());
            assertEquals(data("text", "at 5"), stream.expect("announcement").json());
            assertEquals("announcement", sender.expect("announcement").getString("message_type"));
            stream.expectNothing(300);

            // every event carried an id: the cursor (no room with history here: an empty one)
            assertTrue(stream.idLines().size() >= 5, stream.idLines().toString());
            assertEquals(cursor(Map.of()), stream.lastEventId());
        }
    }

    @Test
    void heartbeatCommentsKeepAnIdleStreamOpenPastTheIdleTimeout() throws Exception {
        String room = unique("quiet");
        try (SseClient stream = SseClient.connect(sse(room), Map.of())) {
            stream.expect("room_joined");
            Thread.sleep(4500); // ping-interval 1 s, idle-timeout 3 s: an SSE client never sends anything
            assertTrue(stream.comments() >= 3, "heartbeats: " + stream.comments());
            try (WsClient sender = WsClient.connect(ws())) {
                sender.call("join_room", data("room_id", room), "room_joined");
                sender.request("room_message", data("room_id", room, "content", "still there?"));
                assertEquals("still there?", stream.expect("room_message").json().getString("content"));
            }
        }
    }

    @Test
    void badTokensAndParametersAreRefusedWithAnHttpProblemNotAStream() throws Exception {
        for (String token : List.of(TOKENS.tampered(unique("mallory")), "not-a-jwt")) {
            try (SseClient refused = SseClient.open(sse("r"), bearer(token))) {
                assertEquals(401, refused.status, refused.body);
                assertTrue(refused.contentType.startsWith("application/problem+json"), refused.contentType);
                assertEquals(401, Json.parse(refused.body).asJsonObject().getInt("status"));
            }
        }
        try (SseClient refused = SseClient.open(base.resolve("sse?platform=toaster"))) {
            assertEquals(400, refused.status, refused.body);
            assertTrue(refused.contentType.startsWith("application/problem+json"), refused.contentType);
        }
        // ?token= is read only with wshub.auth.query-token=true: here the stream stays anonymous
        try (SseClient anonymous = SseClient.connect(base.resolve("sse?token=" + TOKENS.valid("carol")), Map.of())) {
            String clientId = anonymous.clientId();
            JsonObject view = admin().call("GET", "clients/" + clientId, null).json();
            assertTrue(view.getString("user_id").startsWith("guest-"), view.toString());
        }
    }

    @Test
    void lastEventIdResumesTwoRoomsWithoutLossOrDuplicate() throws Exception {
        String first = unique("history-a");
        String second = unique("history-b");
        createRoom(first, 100);
        createRoom(second, 100);
        try (WsClient publisher = WsClient.connect(ws())) {
            publisher.call("join_room", data("room_id", first), "room_joined");
            publisher.call("join_room", data("room_id", second), "room_joined");
            String lastEventId;
            try (SseClient stream = SseClient.connect(sse(first, second), Map.of())) {
                assertEquals(0, stream.expect("room_joined").json().getInt("offset"));
                assertEquals(0, stream.expect("room_joined").json().getInt("offset"));
                publish(publisher, first, "a", 1, 3);
                publish(publisher, second, "b", 1, 2);
                List<String> seen = contents(stream, 5);
                assertEquals(List.of("a1", "a2", "a3", "b1", "b2"), seen.stream().sorted().toList());
                lastEventId = stream.lastEventId();
            }
            // missed while away, in both rooms
            publish(publisher, first, "a", 4, 6);
            publish(publisher, second, "b", 3, 7);
            try (SseClient resumed = SseClient.connect(sse(first, second), Map.of("Last-Event-ID", lastEventId))) {
                List<String> seen = new ArrayList<>();
                int joined = 0;
                while (seen.size() < 8 || joined < 2) {
                    SseClient.Event event = resumed.next(10_000);
                    assertTrue(event != null, "missing events; had " + seen);
                    if (event.type().equals("room_joined")) {
                        assertTrue(event.json().getBoolean("recovered"), event.data());
                        joined++;
                    } else {
                        assertEquals("room_message", event.type(), event.toString());
                        seen.add(event.json().getString("content"));
                    }
                }
                publish(publisher, first, "a", 7, 7);
                assertEquals("a7", resumed.expect("room_message").json().getString("content"));
                resumed.expectNothing(300);
                assertEquals(List.of("a4", "a5", "a6", "a7"), only("a", seen, "a7"));
                assertEquals(List.of("b3", "b4", "b5", "b6", "b7"), only("b", seen, null));
                // the cursor holds both rooms: reconnecting with it again (as ?last_event_id=) replays nothing
                String cursorNow = resumed.lastEventId();
                URI withCursor = URI.create(sse(first, second) + "&last_event_id=" + cursorNow);
                try (SseClient again = SseClient.connect(withCursor, Map.of())) {
                    assertTrue(again.expect("room_joined").json().getBoolean("recovered"));
                    assertTrue(again.expect("room_joined").json().getBoolean("recovered"));
                    again.expectNothing(500);
                    assertEquals(cursorNow, again.lastEventId());
                }
            }
        }
    }

    @Test
    void aCursorThatCannotBeHonouredGivesRecoveryFailedThenLiveEvents() throws Exception {
        String room = unique("short");
        createRoom(room, 2);
        try (WsClient publisher = WsClient.connect(ws())) {
            publisher.call("join_room", data("room_id", room), "room_joined");
            String lastEventId;
            try (SseClient stream = SseClient.connect(sse(room), Map.of())) {
                stream.expect("room_joined");
                lastEventId = stream.lastEventId();
            }
            publish(publisher, room, "m", 1, 5); // the history keeps 2: it no longer reaches back to offset 1
            awaitOffset(room, 5); // appended before the streams resume: none of them may come live
            for (String cursor : List.of(lastEventId, "not-a-cursor")) {
                try (SseClient resumed = SseClient.connect(sse(room), Map.of("Last-Event-ID", cursor))) {
                    JsonObject joined = resumed.expect("room_joined").json();
                    assertFalse(joined.getBoolean("recovered"), joined.toString());
                    assertEquals(data("room_id", room), resumed.expect("recovery_failed").json());
                    resumed.expectNothing(300);
                    publish(publisher, room, "live", 1, 1);
                    JsonObject live = resumed.expect("room_message").json();
                    assertEquals("live1", live.getString("content"));
                    assertEquals(joined.getInt("offset") + 1, live.getInt("offset"));
                }
            }
        }
    }

    @Test
    void aRoomTheStreamMayNotJoinGivesAnErrorEventAndTheOthersGoOn() throws Exception {
        String user = unique("limited");
        String token = TOKENS.inGroups(user, "limited");
        String secret = unique("secret");
        String open = unique("open");
        try (SseClient stream = SseClient.connect(sse(secret, open), bearer(token));
             WsClient sender = WsClient.connect(ws())) {
            JsonObject error = stream.expect("error").json();
            assertEquals(2001, error.getInt("code"));
            assertEquals(1, error.getInt("request_id")); // the first room parameter
            assertTrue(error.getString("message").contains(secret), error.toString());
            assertEquals(open, stream.expect("room_joined").json().getString("room_id"));
            sender.call("join_room", data("room_id", open), "room_joined");
            sender.request("room_message", data("room_id", open, "content", "for the open room"));
            assertEquals("for the open room", stream.expect("room_message").json().getString("content"));
        }
    }

    @Test
    void theAdminApiListsSseConnectionsAndAKickEndsTheStreamWithItsEvent() throws Exception {
        String user = unique("kickme");
        String room = unique("kick-room");
        try (SseClient stream = streamInRoom(user, room)) {
            JsonObject listed = admin().call("GET", "clients?user=" + user, null).json();
            assertEquals(1, listed.getInt("total"), listed.toString());
            JsonObject client = listed.getJsonArray("items").getJsonObject(0);
            assertEquals(stream.clientId(), client.getString("client_id"));
            assertEquals(List.of(room), client.getJsonArray("rooms").getValuesAs(jakarta.json.JsonString.class)
                    .stream().map(jakarta.json.JsonString::getString).toList());
            List<String> members = admin().call("GET", "rooms/" + room + "/members", null).array()
                    .getValuesAs(JsonObject.class).stream().map(member -> member.getString("client_id")).toList();
            assertEquals(List.of(stream.clientId()), members);

            Answer kicked = admin().call("DELETE", "clients/" + stream.clientId() + "?reason=bye", null);
            assertEquals(204, kicked.status(), kicked.body());
            assertEquals("bye", stream.expect("session_kicked").json().getString("reason"));
            JsonObject close = stream.expect("close").json();
            assertEquals(4002, close.getInt("code"));
            assertEquals("bye", close.getString("reason"));
            stream.awaitEnd();
            awaitGone(user, room);
        }
    }

    /** A browser that goes away says nothing: the stream is found gone when a heartbeat cannot be written. */
    @Test
    void aClientThatWentIsForgotten() throws Exception {
        String user = unique("leaver");
        String room = unique("left-room");
        try (SseClient stream = streamInRoom(user, room)) {
            assertEquals(1, admin().call("GET", "clients?user=" + user, null).json().getInt("total"));
        }
        awaitGone(user, room);
    }

    /** A stream of the user, in the room. */
    private SseClient streamInRoom(String user, String room) {
        SseClient stream = SseClient.connect(sse(room), bearer(TOKENS.valid(user)));
        stream.expect("room_joined");
        return stream;
    }

    /** The user's only connection is no longer listed, and its auto-created room went with it. */
    private void awaitGone(String user, String room) throws InterruptedException {
        TestData.eventually(user + "'s stream is gone from the lists", () -> {
            try {
                return admin().call("GET", "clients?user=" + user, null).json().getInt("total") == 0
                        && admin().call("GET", "rooms/" + room, null).status() == 404;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void anSseClientReceivesAcknowledgedPushesButNeverAcknowledgesThem() throws Exception {
        String user = unique("cannot-ack");
        try (SseClient stream = SseClient.connect(sse(), bearer(TOKENS.valid(user)));
             WsClient sender = WsClient.connect(ws())) {
            long id = sender.request("direct_message", data("target_id", user, "content", "ack me", "ack", true,
                    "ack_timeout_ms", 300, "ack_retries", 1));
            JsonObject push = stream.expect("direct_message").json();
            assertTrue(push.getBoolean("ack_required"), push.toString());
            JsonObject retry = stream.expect("direct_message").json();
            assertEquals(push.getString("ack_id"), retry.getString("ack_id"));
            assertTrue(retry.getBoolean("redelivered"), retry.toString());
            JsonObject error = sender.expectError(4004);
            assertEquals(id, error.getJsonNumber("request_id").longValue());
        }
    }

    @Test
    void overTheConnectionsOfItsUserAStreamIsRefusedLikeAWebSocket() throws Exception {
        // a stream and a WebSocket of one user are connections of that user alike (no limit here: both are in)
        String user = unique("both");
        String token = TOKENS.valid(user);
        try (SseClient stream = SseClient.connect(sse(), bearer(token));
             WsClient socket = WsClient.connectWithHeader(ws(), token)) {
            JsonObject view = admin().call("GET", "users/" + user, null).json();
            List<String> ids = view.getJsonArray("connections").getValuesAs(JsonObject.class).stream()
                    .map(c -> c.getString("client_id")).sorted().toList();
            assertEquals(List.of(stream.clientId(), socket.clientId).stream().sorted().toList(), ids);
            assertNotEquals(stream.clientId(), socket.clientId);
        }
    }

    /** Waits until the room's history holds {@code offset}: what was published is appended, not on its way. */
    private void awaitOffset(String room, long offset) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (admin().call("GET", "rooms/" + room + "/history?limit=1", null).json().getJsonNumber("offset")
                    .longValue() >= offset) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("room " + room + " never reached offset " + offset);
    }

    private static void publish(WsClient publisher, String room, String prefix, int from, int to) {
        for (int i = from; i <= to; i++) {
            publisher.request("room_message", data("room_id", room, "content", prefix + i));
        }
    }

    private static List<String> contents(SseClient stream, int count) {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            seen.add(stream.expect("room_message").json().getString("content"));
        }
        return seen;
    }

    /** The contents of one room's messages, in the order received, plus a live one appended after. */
    private static List<String> only(String prefix, List<String> seen, String thenLive) {
        List<String> mine = new ArrayList<>(seen.stream().filter(c -> c.startsWith(prefix)).toList());
        if (thenLive != null) {
            mine.add(thenLive);
        }
        return mine;
    }

    private static String cursor(Map<String, Object> rooms) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                Json.toJson(rooms).getBytes(StandardCharsets.UTF_8));
    }
}
