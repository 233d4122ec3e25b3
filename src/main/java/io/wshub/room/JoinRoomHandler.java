package io.wshub.room;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.concurrent.CompletionStage;

/**
 * {@code join_room {room_id, recover?: {offset, epoch}}} -> {@code room_joined {room_id, status:"joined"}}, answered
 * once the directory admitted the connection and the node receives the room's traffic. In a room with history the
 * reply also has the room's {@code offset} and {@code epoch}, and with {@code recover} whether the member
 * {@code recovered}: the messages it missed follow the reply (see {@link RoomRegistry#join}).
 */
@Dependent
@MessageType("join_room")
public class JoinRoomHandler implements AsyncMessageHandler {

    @Inject
    RoomRegistry rooms;

    @PostConstruct
    void direct() {
        rooms = rooms.direct().get();
    }

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        RoomHistory.Recover recover = recover(request.data().get("recover"));
        request.client().permissions().require("join", roomId);
        // the registry sends room_joined itself: what the member missed must follow it, before any live message
        return rooms.join(request.client(), roomId, recover, request.messageId()).thenApply(joined -> null);
    }

    /** {@code {offset, epoch}}: a whole number of at least 0 and a non-empty string; 1001 otherwise. */
    static RoomHistory.Recover recover(JsonValue value) {
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonObject recover && recover.get("offset") instanceof JsonNumber offset
                && offset.isIntegral() && offset.longValue() >= 0 && recover.get("epoch") instanceof JsonString epoch
                && !epoch.getString().isEmpty()) {
            return new RoomHistory.Recover(offset.longValue(), epoch.getString());
        }
        throw new HubException(ErrorCode.INVALID_FORMAT,
                "data.recover must be {offset: a whole number >= 0, epoch: a non-empty string}");
    }
}
