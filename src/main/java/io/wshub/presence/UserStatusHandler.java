package io.wshub.presence;

import io.wshub.cluster.Presence;
import io.wshub.hub.ClusterCalls;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * {@code user_status {user_ids}} (1 to 100) -> {@code user_status {statuses: {"<id>": {online, platforms,
 * last_seen}}}}. Needs permission {@code watch:<user>} for each user (2001 otherwise): a status is what a watch tells.
 */
@Dependent
@MessageType("user_status")
public class UserStatusHandler implements AsyncMessageHandler {

    @Inject
    Presence presence;
    @Inject
    ClusterCalls cluster;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        List<String> userIds = PresenceViews.watchableUserIds(request.data(), request.client().permissions());
        return cluster.call(() -> presence.statuses(userIds))
                .thenApply(statuses -> request.reply("user_status", PresenceViews.statuses(statuses)));
    }
}
