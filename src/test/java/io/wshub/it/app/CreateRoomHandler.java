package io.wshub.it.app;

import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;

import java.util.Map;

/** Creates a room through the hub's Java API, as GoHub's SDK CreateRoom did (the admin API comes later). */
@ApplicationScoped
@MessageType("test_create_room")
public class CreateRoomHandler implements MessageHandler {

    @Inject
    RoomRegistry rooms;

    @Override
    public Reply handle(Request request) {
        JsonNumber max = request.data().getJsonNumber("max_members");
        JsonNumber historySize = request.data().getJsonNumber("history_size");
        RoomRecord room = rooms.create(request.requiredString("room_id"), null, max == null ? null : max.intValue(),
                historySize == null ? null : historySize.intValue(), null,
                request.data().containsKey("join_leave_events") ? request.data().getBoolean("join_leave_events") : null);
        return request.reply("test_room_created", Map.of("room_id", room.roomId(), "max_members", room.maxMembers()));
    }
}
