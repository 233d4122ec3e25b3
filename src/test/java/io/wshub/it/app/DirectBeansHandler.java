package io.wshub.it.app;

import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.hub.Messenger;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.Dispatcher;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only: the class of what each bean's {@code direct()} gives, which hot paths keep instead of the client proxy. */
@ApplicationScoped
@MessageType("test_direct_beans")
public class DirectBeansHandler implements MessageHandler {

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    Messenger messenger;
    @Inject
    LimitsConfig limits;
    @Inject
    HubMetrics metrics;
    @Inject
    RoomRegistry rooms;
    @Inject
    Dispatcher dispatcher;
    @Inject
    ClusterCalls cluster;

    @Override
    public Reply handle(Request request) {
        Map<String, String> classes = new LinkedHashMap<>();
        classes.put("Hub", hub.direct().get().getClass().getName());
        classes.put("HubConfig", config.direct().get().getClass().getName());
        classes.put("Messenger", messenger.direct().get().getClass().getName());
        classes.put("LimitsConfig", limits.direct().get().getClass().getName());
        classes.put("HubMetrics", metrics.direct().get().getClass().getName());
        classes.put("RoomRegistry", rooms.direct().get().getClass().getName());
        classes.put("Dispatcher", dispatcher.direct().get().getClass().getName());
        classes.put("ClusterCalls", cluster.direct().get().getClass().getName());
        classes.put("injected Hub", hub.getClass().getName());
        return request.reply("test_direct_beans", classes);
    }
}
