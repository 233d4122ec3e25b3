package io.wshub.room;

import io.wshub.protocol.Json;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** {@code join_room {room_id}} -> {@code room_joined {room_id, status:"joined"}}. */
@ApplicationScoped
@MessageType("join_room")
public class JoinRoomHandler implements MessageHandler {

    @Inject
    RoomRegistry rooms;

    @Override
    public Reply handle(Request request) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        request.client().permissions().require("join", roomId);
        rooms.join(request.client(), roomId);
        return request.reply("room_joined", Json.object().add("room_id", roomId).add("status", "joined").build());
    }
}
