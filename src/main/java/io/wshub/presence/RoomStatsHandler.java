package io.wshub.presence;

import io.wshub.cluster.Presence;
import io.wshub.hub.ClusterCalls;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionStage;

/**
 * {@code presence_stats {room_id}} -> {@code presence_stats {room_id, clients, users}}, from counters kept with the
 * membership: its cost does not grow with the room. Same permission rule as {@code presence}.
 */
@Dependent
@MessageType("presence_stats")
public class RoomStatsHandler implements AsyncMessageHandler {

    @Inject
    RoomRegistry rooms;
    @Inject
    Presence presence;
    @Inject
    ClusterCalls cluster;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        return RoomPresenceHandler.ask(request, rooms, cluster, roomId -> presence.roomStats(roomId)
                .map(stats -> request.reply("presence_stats", PresenceViews.roomStats(stats))));
    }
}
