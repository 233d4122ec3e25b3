package io.wshub.room;

import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionStage;

/** {@code leave_room {room_id}} -> {@code room_left {room_id, status:"left"}}; not a member is 3003. */
@Dependent
@MessageType("leave_room")
public class LeaveRoomHandler implements AsyncMessageHandler {

    @Inject
    RoomRegistry rooms;

    @PostConstruct
    void direct() {
        rooms = rooms.direct().get();
    }

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String roomId = request.requiredString("room_id");
        return rooms.leave(request.client(), roomId).thenApply(left -> request.reply("room_left",
                Json.object().add("room_id", roomId).add("status", "left").build()));
    }
}
