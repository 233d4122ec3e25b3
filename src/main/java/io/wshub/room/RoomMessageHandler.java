package io.wshub.room;

import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.json.JsonValue;

/**
 * {@code room_message {room_id, content}}: every other member of the room receives
 * {@code room_message {room_id, content, sender_id, timestamp}}. Only members may send (3003).
 */
@Dependent
@MessageType("room_message")
public class RoomMessageHandler implements MessageHandler {

    @Inject
    RoomRegistry rooms;
    @Inject
    Hub hub;

    @PostConstruct
    void direct() {
        rooms = rooms.direct();
        hub = hub.direct();
    }

    @Override
    public Reply handle(Request request) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        JsonValue content = request.requiredValue("content");
        request.client().permissions().require("publish", roomId);
        if (!rooms.isMember(request.client(), roomId)) {
            throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
        }
        String data = Json.object()
                .add("room_id", roomId)
                .add("content", content)
                .add("sender_id", request.client().userId())
                .add("timestamp", System.currentTimeMillis())
                .build().toString();
        rooms.publish(roomId, hub.message("room_message", data, null), request.client());
        return null;
    }
}
