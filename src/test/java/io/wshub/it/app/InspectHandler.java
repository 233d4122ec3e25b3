package io.wshub.it.app;

import io.wshub.hub.Hub;
import io.wshub.room.Room;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/** Test-only window into the hub's state: counts, and the CDI events seen for one client. */
@ApplicationScoped
@MessageType("test_inspect")
public class InspectHandler implements MessageHandler {

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    EventLog events;

    @Override
    public Reply handle(Request request) {
        int memberships = rooms.rooms().stream().mapToInt(room -> room.members().size()).sum();
        String about = request.data().getString("client_id", "");
        return request.reply("test_inspected", Map.of(
                "connections", hub.connectionCount(),
                "users", hub.userCount(),
                "rooms", rooms.roomCount(),
                "memberships", memberships,
                "room_ids", rooms.rooms().stream().map(Room::id).sorted().toList(),
                "events", events.about(about)));
    }
}
