package io.wshub.room;

import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code room_message {room_id, content, idempotency_key?}}: every other member of the room receives
 * {@code room_message {room_id, content, sender_id, sender_client_id, timestamp}} (plus {@code offset} in a room with
 * history; go-ws clients are shown the sender's client id). Only
 * members may send (3003). Unanswered, as in GoHub, unless it carries an {@code idempotency_key}: then
 * {@code room_message_sent {room_id, offset, duplicate}} answers it (a key repeated in the room within 5 minutes is
 * not published again; the offset is the first publish's).
 */
@Dependent
@MessageType("room_message")
public class RoomMessageHandler implements AsyncMessageHandler {

    private static final CompletableFuture<Reply> UNANSWERED = CompletableFuture.completedFuture(null);

    @Inject
    RoomRegistry rooms;
    @Inject
    Hub hub;

    @PostConstruct
    void direct() {
        rooms = rooms.direct().get();
        hub = hub.direct().get();
    }

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        JsonValue content = request.requiredValue("content");
        String key = idempotencyKey(request.data().get("idempotency_key"));
        request.client().permissions().require("publish", roomId);
        Room room = rooms.isMember(request.client(), roomId) ? rooms.localRoom(roomId).orElse(null) : null;
        if (room == null) {
            throw new HubException(ErrorCode.NOT_IN_ROOM, "not in room '" + roomId + "'");
        }
        long now = System.currentTimeMillis();
        String data = Json.object()
                .add("room_id", roomId)
                .add("content", content)
                .add("sender_id", request.client().userId())
                .add("sender_client_id", request.client().id())
                .add("timestamp", now)
                .build().toString();
        if (key == null && !room.settings().hasHistory()) {
            rooms.publish(roomId, hub.message("room_message", data, null), request.client()); // the common path
            return UNANSWERED;
        }
        return rooms.publish(room.settings(), "room_message", data, now, request.client(), key).thenApply(published ->
                key == null ? null : request.reply("room_message_sent", sent(roomId, published)));
    }

    private static JsonValue sent(String roomId, RoomRegistry.Published published) {
        var sent = Json.object().add("room_id", roomId);
        if (published.offset() == null) {
            sent.addNull("offset");
        } else {
            sent.add("offset", published.offset());
        }
        return sent.add("duplicate", published.duplicate()).build();
    }

    /** At most 64 characters; 1001 otherwise. */
    static String idempotencyKey(JsonValue value) {
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonString key && !key.getString().isEmpty()
                && key.getString().length() <= RoomRegistry.MAX_IDEMPOTENCY_KEY_LENGTH) {
            return key.getString();
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "data.idempotency_key must be a string of 1 to 64 characters");
    }
}
