package io.wshub.it.app;

import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/** Test-only: {@code test_presence_events {part}} -> the presence CDI events this node observed that mention it. */
@ApplicationScoped
@MessageType("test_presence_events")
public class PresenceEventsHandler implements MessageHandler {

    @Inject
    PresenceEventLog log;

    @Override
    public Reply handle(Request request) {
        return request.reply("test_presence_events", Map.of("events", log.matching(request.data().getString("part"))));
    }
}
