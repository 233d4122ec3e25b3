package io.wshub.it;

import io.wshub.admin.Views;
import io.wshub.it.AdminApi.Answer;
import io.wshub.admin.client.Message;
import io.wshub.admin.client.NewRoom;
import io.wshub.admin.client.RoomMessage;
import io.wshub.admin.client.WshubAdminClient;
import io.wshub.admin.client.WshubAdminException;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static io.wshub.it.AdminApi.assertProblem;
import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.push;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin REST API with real tokens: each operation's success and its 400/401/403/404/409/413 answers. */
@ExtendWith(ArquillianExtension.class)
class AdminIT extends DeployedHub {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "admin-it"));
    static final String ADMIN = TOKENS.rs256(TestTokens.claims("ops")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("wshub-admin")).build());
    static final String NOT_ADMIN = TOKENS.rs256(TestTokens.claims("someone")
            .add("groups", Json.PROVIDER.createArrayBuilder().add("users")).build());

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("admin", TOKENS.mpJwtConfig() + """
                wshub.node-id=it-admin
                wshub.allow-query-client-id=true
                wshub.max-message-bytes=2048
                """);
    }

    Answer call(String method, String path, String body, String token) throws Exception {
        return new AdminApi(base.resolve("api/"), token).call(method, path, body);
    }

    Answer admin(String method, String path, String body) throws Exception {
        return call(method, path, body, ADMIN);
    }

    @Test
    void everyOperationNeedsATokenWithTheAdminGroup() throws Exception {
        List<String[]> operations = List.of(
                new String[]{"GET", "stats", null}, new String[]{"POST", "broadcast", push("x", data())},
                new String[]{"GET", "clients", null}, new String[]{"GET", "clients/c", null},
                new String[]{"DELETE", "clients/c", null}, new String[]{"POST", "clients/c/messages", push("x", data())},
                new String[]{"GET", "users/u", null}, new String[]{"POST", "users/u/messages", push("x", data())},
                new String[]{"DELETE", "users/u", null}, new String[]{"GET", "rooms", null},
                new String[]{"POST", "rooms", "{\"room_id\":\"r\"}"}, new String[]{"GET", "rooms/r", null},
                new String[]{"DELETE", "rooms/r", null}, new String[]{"GET", "rooms/r/members", null},
                new String[]{"PUT", "rooms/r/members/c", null}, new String[]{"DELETE", "rooms/r/members/c", null},
                new String[]{"POST", "rooms/r/messages", push("x", data())});
        for (String[] operation : operations) {
            String name = operation[0] + " " + operation[1];
            Answer anonymous = call(operation[0], operation[1], operation[2], null);
            assertProblem(anonymous, 401);
            assertProblem(call(operation[0], operation[1], operation[2], NOT_ADMIN), 403);
            assertTrue(call(operation[0], operation[1], operation[2], TOKENS.valid("x")).status() == 403, name);
        }
    }

    @Test
    void statsCountClientsUsersAndRooms() throws Exception {
        String room = unique("stats");
        try (WsClient client = WsClient.connect(ws())) {
            client.call("join_room", data("room_id", room), "room_joined");
            JsonObject stats = admin("GET", "stats", null).json();
            assertEquals("it-admin", stats.getString("node_id"));
            assertTrue(stats.getInt("clients") >= 1 && stats.getInt("users") >= 1 && stats.getInt("rooms") >= 1,
                    stats.toString());
        }
    }

    @Test
    void broadcastReachesEveryConnectionAsTheGivenType() throws Exception {
        try (WsClient a = WsClient.connect(ws()); WsClient b = WsClient.connect(ws())) {
            Answer answer = admin("POST", "broadcast", push("announcement", data("text", "maintenance at 5")));
            assertEquals(202, answer.status(), answer.body());
            assertTrue(answer.json().getInt("delivered") >= 2);
            for (WsClient client : List.of(a, b)) {
                JsonObject frame = client.expect("announcement");
                assertEquals("maintenance at 5", frame.getJsonObject("data").getString("text"));
            }
            assertProblem(admin("POST", "broadcast", "{\"data\":{}}"), 400);
            assertProblem(admin("POST", "broadcast", "{\"message_type\":\"x\",\"data\":[1]}"), 400);
            assertProblem(admin("POST", "broadcast", "not json"), 400);
            assertProblem(admin("POST", "broadcast", push("big", data("blob", "z".repeat(5000)))), 413);
        }
    }

    /** A backend cannot forge the hub's own frames: every push of a reserved type is refused with 400. */
    @Test
    void theHubsOwnMessageTypesCannotBePushed() throws Exception {
        String room = unique("forged");
        try (WsClient client = WsClient.connect(ws("?client_id=" + unique("target")))) {
            client.call("join_room", data("room_id", room), "room_joined");
            for (String type : List.of("connected", "error", "pong", "echo", "room_joined", "room_left",
                    "room_message", "direct_message", "logged_in", "token_refreshed", "session_kicked",
                    "shutdown")) {
                String body = push(type, data("forged", true));
                assertProblem(admin("POST", "broadcast", body), 400);
                assertProblem(admin("POST", "clients/" + client.clientId + "/messages", body), 400);
                assertProblem(admin("POST", "users/" + client.userId + "/messages", body), 400);
                assertProblem(admin("POST", "rooms/" + room + "/messages", body), 400);
            }
            client.expectNothing(300);
            assertEquals(202, admin("POST", "clients/" + client.clientId + "/messages",
                    push("shutdown_soon", data())).status(), "a backend's own type is fine");
            client.expect("shutdown_soon");
            assertProblem(admin("POST", "broadcast", "{\"message_type\":\"x\",\"data\":{\"t\":\"\\ud800\"}}"),
                    400);
        }
    }

    @Test
    void clientsAreListedFoundMessagedAndKicked() throws Exception {
        String chosen = unique("listed");
        String user = "guest-" + chosen; // an anonymous client's chosen id lives in the guest namespace
        String room = unique("listing");
        try (WsClient first = WsClient.connect(ws("?client_id=" + chosen));
             WsClient second = WsClient.connect(ws("?client_id=" + chosen))) {
            first.call("join_room", data("room_id", room), "room_joined");
            JsonObject byUser = admin("GET", "clients?user=" + user, null).json();
            assertEquals(2, byUser.getInt("total"));
            assertEquals(2, byUser.getJsonArray("items").size());
            JsonObject byRoom = admin("GET", "clients?room=" + room, null).json();
            assertEquals(1, byRoom.getInt("total"));
            assertEquals(first.clientId, byRoom.getJsonArray("items").getJsonObject(0).getString("client_id"));
            JsonObject paged = admin("GET", "clients?user=" + user + "&page=2&size=1", null).json();
            assertEquals(1, paged.getJsonArray("items").size());
            assertEquals(2, paged.getInt("total"));
            assertProblem(admin("GET", "clients?page=0", null), 400);

            JsonObject one = admin("GET", "clients/" + first.clientId, null).json();
            assertEquals(user, one.getString("user_id"));
            assertEquals(List.of(room), one.getJsonArray("rooms").getValuesAs(jakarta.json.JsonString.class)
                    .stream().map(jakarta.json.JsonString::getString).toList());
            assertProblem(admin("GET", "clients/nope", null), 404);

            assertEquals(202, admin("POST", "clients/" + second.clientId + "/messages",
                    push("invoice_ready", data("id", 7))).status());
            assertEquals(7, second.expect("invoice_ready").getJsonObject("data").getInt("id"));
            first.expectNothing(200);
            assertProblem(admin("POST", "clients/nope/messages", push("x", data())), 404);

            assertEquals(204, admin("DELETE", "clients/" + first.clientId + "?reason=bye%20now", null).status());
            assertEquals(4002, first.awaitClose(10_000));
            assertEquals("bye now", first.closeReason());
            assertProblem(admin("DELETE", "clients/" + first.clientId, null), 404);
            assertProblem(admin("DELETE", "clients/" + second.clientId + "?reason=" + "r".repeat(101), null), 400);
            assertFalse(second.isClosed());
        }
    }

    @Test
    void usersAreFoundMessagedByPlatformAndKicked() throws Exception {
        String chosen = unique("multi");
        String user = "guest-" + chosen;
        try (WsClient phone = WsClient.connect(ws("?client_id=" + chosen + "&platform=ios"));
             WsClient desktop = WsClient.connect(ws("?client_id=" + chosen + "&platform=desktop"))) {
            JsonObject found = admin("GET", "users/" + user, null).json();
            assertEquals(2, found.getJsonArray("connections").size());
            assertEquals(List.of("desktop", "ios"), found.getJsonArray("platforms")
                    .getValuesAs(jakarta.json.JsonString.class).stream().map(jakarta.json.JsonString::getString)
                    .toList());
            Answer toPhone = admin("POST", "users/" + user + "/messages?platform=ios", push("ring", data()));
            assertEquals(1, toPhone.json().getInt("delivered"));
            phone.expect("ring");
            desktop.expectNothing(200);
            assertEquals(2, admin("POST", "users/" + user + "/messages", push("sync", data())).json()
                    .getInt("delivered"));
            phone.expect("sync");
            desktop.expect("sync");
            assertProblem(admin("POST", "users/" + user + "/messages?platform=android", push("x", data())), 404);
            assertProblem(admin("GET", "users/" + unique("ghost"), null), 404);
            assertEquals(204, admin("DELETE", "users/" + user + "?reason=account%20locked", null).status());
            assertEquals(4002, phone.awaitClose(10_000));
            assertEquals(4002, desktop.awaitClose(10_000));
            assertEquals("account locked", desktop.closeReason());
        }
    }

    @Test
    void roomsAreCreatedJoinedPublishedAndDeletedServerSide() throws Exception {
        String room = unique("managed");
        try (WsClient a = WsClient.connect(ws()); WsClient b = WsClient.connect(ws());
             WsClient c = WsClient.connect(ws())) {
            Answer created = admin("POST", "rooms",
                    Json.object().add("room_id", room).add("name", "Managed").add("max_members", 2).build().toString());
            assertEquals(201, created.status(), created.body());
            assertEquals(2, created.json().getInt("max_members"));
            assertProblem(admin("POST", "rooms", "{\"room_id\":\"" + room + "\"}"), 409);
            assertProblem(admin("POST", "rooms", "{\"name\":\"no id\"}"), 400);
            assertProblem(admin("POST", "rooms", "{\"room_id\":\"x\",\"max_members\":-1}"), 400);
            assertEquals("Managed", admin("GET", "rooms/" + room, null).json().getString("name"));
            assertTrue(admin("GET", "rooms", null).array().stream()
                    .anyMatch(r -> r.asJsonObject().getString("room_id").equals(room)));

            assertEquals(204, admin("PUT", "rooms/" + room + "/members/" + a.clientId, null).status());
            assertEquals(room, a.expect("room_joined").getJsonObject("data").getString("room_id"));
            assertProblem(admin("PUT", "rooms/" + room + "/members/" + a.clientId, null), 409);
            assertEquals(204, admin("PUT", "rooms/" + room + "/members/" + b.clientId, null).status());
            b.expect("room_joined");
            assertProblem(admin("PUT", "rooms/" + room + "/members/" + c.clientId, null), 409);
            assertProblem(admin("PUT", "rooms/" + room + "/members/nope", null), 404);
            assertEquals(2, admin("GET", "rooms/" + room + "/members", null).array().size());

            Answer published = admin("POST", "rooms/" + room + "/messages", push("score", data("home", 2)));
            assertEquals(2, published.json().getInt("delivered"));
            assertEquals(2, a.expect("score").getJsonObject("data").getInt("home"));
            b.expect("score");
            c.expectNothing(200);

            assertEquals(204, admin("DELETE", "rooms/" + room + "/members/" + b.clientId, null).status());
            assertEquals("left", b.expect("room_left").getJsonObject("data").getString("status"));
            assertProblem(admin("DELETE", "rooms/" + room + "/members/" + b.clientId, null), 404);

            assertEquals(204, admin("DELETE", "rooms/" + room, null).status());
            assertEquals(room, a.expect("room_left").getJsonObject("data").getString("room_id"));
            assertProblem(admin("GET", "rooms/" + room, null), 404);
            assertProblem(admin("POST", "rooms/" + room + "/messages", push("x", data())), 404);
            assertProblem(admin("DELETE", "rooms/" + room, null), 404);
        }
    }

    @Test
    void typedRestClientDrivesTheHub() {
        URI hubUri = URI.create(base.toString().replaceAll("/$", ""));
        WshubAdminClient hub = WshubAdminClient.connect(hubUri, () -> ADMIN);
        String room = unique("sdk");
        try (WsClient member = WsClient.connect(ws())) {
            Views.RoomInfo created = hub.createRoom(new NewRoom(room, "From the SDK", 10));
            assertEquals(10, created.maxMembers());
            hub.addMember(room, member.clientId);
            member.expect("room_joined");
            assertEquals(List.of(member.clientId), hub.members(room).stream().map(Views.Client::clientId).toList());
            Views.Published delivered = hub.publish(room, new Message("news", data("headline", "typed")));
            assertEquals(1, delivered.delivered());
            assertNull(delivered.offset(), "a room without history");
            assertEquals("typed", member.expect("news").getJsonObject("data").getString("headline"));
            assertEquals(member.userId, hub.client(member.clientId).userId());
            assertTrue(hub.clients(null, room, 1, 10).total() == 1);
            assertTrue(hub.stats().clients() >= 1);

            WshubAdminException missing = assertThrows(WshubAdminException.class, () -> hub.room(unique("none")));
            assertEquals(404, missing.status());
            assertTrue(missing.problem().detail().contains("no room"), missing.problem().toString());
            WshubAdminException denied = assertThrows(WshubAdminException.class,
                    () -> WshubAdminClient.connect(hubUri, () -> NOT_ADMIN).stats());
            assertEquals(403, denied.status());
            hub.deleteRoom(room);
            member.expect("room_left");
        }
    }

    @Test
    void typedRestClientPublishesWithHistoryAndReadsIt() {
        WshubAdminClient hub = WshubAdminClient.connect(URI.create(base.toString().replaceAll("/$", "")), () -> ADMIN);
        String room = unique("sdk-history");
        Views.RoomInfo created = hub.createRoom(new NewRoom(room, null, 0, 10, 60));
        assertEquals(10, created.historySize());
        assertEquals(60, created.historyTtl());
        try (WsClient member = WsClient.connect(ws())) {
            hub.addMember(room, member.clientId);
            String epoch = member.expect("room_joined").getJsonObject("data").getString("epoch");
            Views.Published first = hub.publish(room, new RoomMessage("news", data("n", 1), "once"));
            assertEquals(1L, first.offset());
            assertFalse(first.duplicate());
            Views.Published again = hub.publish(room, new RoomMessage("news", data("n", 1), "once"));
            assertEquals(1L, again.offset());
            assertTrue(again.duplicate());
            assertEquals(2L, hub.publish(room, new Message("news", data("n", 2))).offset());
            assertEquals(1, member.expect("news").getJsonObject("data").getInt("offset"));
            assertEquals(2, member.expect("news").getJsonObject("data").getInt("offset"));
            member.expectNothing(300);
            Views.History history = hub.history(room, 1L, null);
            assertEquals(epoch, history.epoch());
            assertEquals(2, history.offset());
            assertEquals(1, history.messages().size());
            assertEquals("news", history.messages().get(0).messageType());
            assertEquals(2, history.messages().get(0).data().getInt("n"));
            assertFalse(history.truncated());
            assertTrue(hub.history(room, null, 1).truncated());
        } finally {
            hub.deleteRoom(room);
        }
    }

    @Test
    void unknownPathsAreProblemsToo() throws Exception {
        assertProblem(admin("GET", "nothing-here", null), 404);
    }

    @Test
    void openApiDescribesEveryOperationAndItsErrors() throws Exception {
        String document = http("/openapi").body();
        for (String path : List.of("/api/stats", "/api/broadcast", "/api/clients", "/api/clients/{id}",
                "/api/clients/{id}/messages", "/api/users/{id}", "/api/users/{id}/messages", "/api/rooms",
                "/api/rooms/{id}", "/api/rooms/{id}/members", "/api/rooms/{id}/members/{clientId}",
                "/api/rooms/{id}/messages")) {
            assertTrue(document.contains(path + ":"), path + " missing from /openapi");
        }
        assertTrue(document.contains("application/problem+json"), document);
        assertTrue(document.contains("#/components/schemas/Problem"), document);
        for (String status : List.of("400", "401", "403", "404", "409", "413")) {
            assertTrue(document.contains("\"" + status + "\":") || document.contains("'" + status + "':"),
                    status + " documented:\n" + document);
        }
    }
}
