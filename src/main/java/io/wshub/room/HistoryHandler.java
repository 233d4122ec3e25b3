package io.wshub.room;

import io.wshub.hub.ClusterCalls;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonValue;

import java.util.concurrent.CompletionStage;

/**
 * {@code history {room_id, since_offset?, limit?}} -> {@code history {room_id, epoch, offset, messages, truncated}}
 * (see {@link RoomHistory#read}). A member may read its room's history; anyone else needs permission
 * {@code history:<room>} (3003 otherwise); an unknown room is 3000.
 */
@Dependent
@MessageType("history")
public class HistoryHandler implements AsyncMessageHandler {

    @Inject
    RoomRegistry rooms;
    @Inject
    RoomHistory history;
    @Inject
    ClusterCalls cluster;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        Long since = wholeNumber(request.data().get("since_offset"), "since_offset", 0);
        Long limit = wholeNumber(request.data().get("limit"), "limit", 1);
        int count = limit == null ? RoomHistory.DEFAULT_LIMIT : (int) Math.min(limit, RoomHistory.MAX_LIMIT);
        boolean allowed = rooms.isMember(request.client(), roomId)
                || request.client().permissions().allows("history", roomId);
        return cluster.call(() -> {
            var room = history.find(roomId); // an unknown room is 3000 for anyone
            if (!allowed) {
                throw new HubException(ErrorCode.NOT_IN_ROOM,
                        "not in room '" + roomId + "' and no permission history:" + roomId);
            }
            return history.read(room, since, count);
        }).thenApply(page -> request.reply("history", page));
    }

    /** An optional whole number of at least {@code min}; 1001 otherwise. */
    static Long wholeNumber(JsonValue value, String field, long min) {
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonNumber number && number.isIntegral() && number.longValue() >= min) {
            return number.longValue();
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "data." + field + " must be a whole number of at least " + min);
    }
}
