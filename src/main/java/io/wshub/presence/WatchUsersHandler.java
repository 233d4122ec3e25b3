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
 * {@code watch_users {user_ids}} -> {@code users_watched {statuses}}: the users' current state, read once the node
 * receives their transitions, so that no transition falls between the answer and the first {@code user_online} /
 * {@code user_offline}. Permission {@code watch:<user>} (2001); at most {@code wshub.presence.max-watched} users per
 * connection (1001). Watching oneself or an offline user is fine.
 */
@Dependent
@MessageType("watch_users")
public class WatchUsersHandler implements AsyncMessageHandler {

    @Inject
    Watchers watchers;
    @Inject
    Presence presence;
    @Inject
    ClusterCalls cluster;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        List<String> userIds = PresenceViews.watchableUserIds(request.data(), request.client().permissions());
        return cluster.onWorker(watchers.watch(request.client(), userIds))
                .thenCompose(subscribed -> cluster.call(() -> presence.statuses(userIds)))
                .thenApply(statuses -> {
                    watchers.statesTold(statuses); // a late transition this answer already says is not told
                    return request.reply("users_watched", PresenceViews.statuses(statuses));
                });
    }
}
