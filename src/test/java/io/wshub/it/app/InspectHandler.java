package io.wshub.it.app;

import io.wshub.hub.Hub;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Presence;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;

/** Test-only window into the hub's state: local and directory counts, and the CDI events seen for one client. */
@ApplicationScoped
@MessageType("test_inspect")
public class InspectHandler implements MessageHandler {

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    Directory directory;
    @Inject
    EventLog events;
    @Inject
    Presence presence;

    @Override
    public Reply handle(Request request) {
        int memberships = rooms.localRooms().stream().mapToInt(room -> room.members().size()).sum();
        List<RoomRecord> all = directory.rooms();
        String about = request.data().getString("client_id", "");
        return request.reply("test_inspected", Map.of(
                "connections", hub.connectionCount(),
                "users", hub.userCount(),
                "rooms", all.size(),
                "memberships", memberships,
                "local_rooms", rooms.localRooms().size(),
                "directory_clients", presence.totals().clients(),
                "directory_users", presence.totals().users(),
                "directory_memberships", all.stream().mapToInt(RoomRecord::members).sum(),
                "room_ids", all.stream().map(RoomRecord::roomId).sorted().toList(),
                "events", events.about(about)));
    }
}
