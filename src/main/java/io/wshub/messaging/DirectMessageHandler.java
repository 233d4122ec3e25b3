package io.wshub.messaging;

import io.wshub.hub.Hub;
import io.wshub.hub.Messenger;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonValue;

import java.util.concurrent.CompletionStage;

/**
 * {@code direct_message {target_id, content}}: every connection of user {@code target_id}, on any node, receives
 * {@code direct_message {content, sender_id, timestamp}}; nobody online by that id is error 4001. No reply otherwise.
 */
@Dependent
@MessageType("direct_message")
public class DirectMessageHandler implements AsyncMessageHandler {

    @Inject
    Hub hub;
    @Inject
    Messenger messenger;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String target = request.requiredString("target_id");
        JsonValue content = request.requiredValue("content");
        request.client().permissions().require("direct", target);
        String data = Json.object()
                .add("content", content)
                .add("sender_id", request.client().userId())
                .add("timestamp", System.currentTimeMillis())
                .build().toString();
        return messenger.sendToUser(target, null, hub.message("direct_message", data, null)).thenApply(sent -> {
            if (sent == 0) {
                throw new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + target + "' is not online");
            }
            return null;
        });
    }
}
