package io.wshub.room;

import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionStage;

/**
 * {@code join_room {room_id}} -> {@code room_joined {room_id, status:"joined"}}, answered once the directory admitted
 * the connection and the node receives the room's traffic.
 */
@Dependent
@MessageType("join_room")
public class JoinRoomHandler implements AsyncMessageHandler {

    @Inject
    RoomRegistry rooms;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        request.client().permissions().require("join", roomId);
        return rooms.join(request.client(), roomId).thenApply(room -> request.reply("room_joined",
                Json.object().add("room_id", roomId).add("status", "joined").build()));
    }
}
