package io.wshub.presence;

import io.wshub.cluster.Presence;
import io.wshub.hub.ClusterCalls;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@code presence {room_id}} -> {@code presence {room_id, clients, truncated}} (at most {@code wshub.presence.max-list}
 * members). A member may ask; anyone else needs permission {@code presence:<room>} (3003 otherwise); an unknown room is
 * 3000.
 */
@Dependent
@MessageType("presence")
public class RoomPresenceHandler implements AsyncMessageHandler {

    @Inject
    RoomRegistry rooms;
    @Inject
    Presence presence;
    @Inject
    PresenceConfig config;
    @Inject
    ClusterCalls cluster;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        int max = config.maxList();
        return ask(request, rooms, cluster, roomId -> presence.roomPresence(roomId, max)
                .map(found -> request.reply("presence", PresenceViews.roomPresence(found))));
    }

    /**
     * The permission rule of a room's presence, then {@code read} as a cluster call; an unknown room (empty) is 3000
     * for anyone.
     */
    static CompletionStage<Reply> ask(Request request, RoomRegistry rooms, ClusterCalls cluster,
                                      Function<String, java.util.Optional<Reply>> read) {
        String roomId = request.requiredString("room_id");
        rooms.validateId(roomId);
        boolean allowed = rooms.isMember(request.client(), roomId)
                || request.client().permissions().allows("presence", roomId);
        return cluster.call(() -> {
            Reply reply = read.apply(roomId).orElseThrow(
                    () -> new HubException(ErrorCode.ROOM_NOT_FOUND, "room '" + roomId + "' does not exist"));
            if (!allowed) {
                throw new HubException(ErrorCode.NOT_IN_ROOM,
                        "not in room '" + roomId + "' and no permission presence:" + roomId);
            }
            return reply;
        });
    }
}
