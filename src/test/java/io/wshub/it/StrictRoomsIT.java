package io.wshub.it;

import io.wshub.it.app.CreateRoomHandler;
import io.wshub.it.app.EventLog;
import io.wshub.it.app.GrizzlyChunks;
import io.wshub.it.app.InspectHandler;
import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub with the non-default settings: rooms must be created first, capacity from
 * {@code wshub.rooms.default-max-members}, no {@code ?client_id=}, and the Tyrus fix switched off.
 */
@ExtendWith(ArquillianExtension.class)
class StrictRoomsIT extends DeployedHub {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("strict", """
                        wshub.rooms.auto-create=false
                        wshub.rooms.default-max-members=2
                        wshub.allow-query-client-id=false
                        wshub.tyrus.idle-timer-fix=false
                        """,
                CreateRoomHandler.class, InspectHandler.class, EventLog.class, GrizzlyChunks.class);
    }

    @Test
    void joiningAnUnknownRoomIs3000WhenAutoCreateIsOff() {
        try (WsClient client = WsClient.connect(ws(""))) {
            client.callError("join_room", data("room_id", unique("missing")), 3000);
        }
    }

    @Test
    void createdRoomHasTheDefaultCapacityAndOutlivesItsMembers() {
        String room = unique("small");
        try (WsClient owner = WsClient.connect(ws("")); WsClient a = WsClient.connect(ws(""));
             WsClient b = WsClient.connect(ws("")); WsClient c = WsClient.connect(ws(""))) {
            JsonObject created = owner.call("test_create_room", data("room_id", room), "test_room_created");
            assertEquals(2, created.getJsonObject("data").getInt("max_members"));
            owner.callError("test_create_room", data("room_id", room), 3001);
            a.call("join_room", data("room_id", room), "room_joined");
            b.call("join_room", data("room_id", room), "room_joined");
            c.callError("join_room", data("room_id", room), 3002);
            a.call("leave_room", data("room_id", room), "room_left");
            b.call("leave_room", data("room_id", room), "room_left");
            c.call("join_room", data("room_id", room), "room_joined");
        }
    }

    @Test
    void capacityHoldsUnderConcurrentJoins() {
        String room = unique("race");
        List<WsClient> clients = new ArrayList<>();
        try (WsClient owner = WsClient.connect(ws(""))) {
            owner.call("test_create_room", data("room_id", room, "max_members", 3), "test_room_created");
            List<CompletableFuture<WsClient>> pending = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                pending.add(WsClient.connectAsync(ws("")));
            }
            pending.forEach(p -> clients.add(p.join().greeted()));
            String join = Json.object().add("message_type", "join_room").add("data", data("room_id", room)).build()
                    .toString();
            clients.parallelStream().forEach(client -> client.sendText(join));
            int joined = 0;
            int full = 0;
            for (WsClient client : clients) {
                JsonObject reply = client.next(10_000);
                if (reply.getString("message_type").equals("room_joined")) {
                    joined++;
                } else if (reply.getJsonObject("data").getInt("code") == 3002) {
                    full++;
                }
            }
            assertEquals(3, joined);
            assertEquals(27, full);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void queryClientIdIsIgnoredWhenNotAllowed() {
        try (WsClient client = WsClient.connect(ws("?client_id=mallory"))) {
            assertTrue(client.userId.startsWith("guest-"), client.userId);
        }
    }

    @Test
    void hubWorksWithTheTyrusFixSwitchedOff() throws Exception {
        try (WsClient client = WsClient.connect(ws(""))) {
            assertEquals("hi", client.call("echo", data("text", "hi"), "echo").getJsonObject("data").getString("text"));
            String body = http("/health/ready").body();
            assertTrue(body.contains("\"tyrus_idle_timer_fix\":\"disabled\""), body);
        }
    }
}
