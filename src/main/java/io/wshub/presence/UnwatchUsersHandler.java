package io.wshub.presence;

import io.wshub.protocol.Json;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.List;

/**
 * {@code unwatch_users {user_ids}} -> {@code users_unwatched {user_ids}}: the named users (each once), none of which
 * the connection watches any more; naming a user it did not watch is fine.
 */
@Dependent
@MessageType("unwatch_users")
public class UnwatchUsersHandler implements MessageHandler {

    @Inject
    Watchers watchers;

    @Override
    public Reply handle(Request request) {
        List<String> userIds = PresenceViews.userIds(request.data(), "user_ids");
        watchers.unwatch(request.client(), userIds);
        var ids = Json.PROVIDER.createArrayBuilder();
        userIds.forEach(ids::add);
        return request.reply("users_unwatched", Json.object().add("user_ids", ids).build());
    }
}
