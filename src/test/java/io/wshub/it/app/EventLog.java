package io.wshub.it.app;

import io.wshub.hub.ClientConnected;
import io.wshub.hub.ClientDisconnected;
import io.wshub.hub.HandlerFailed;
import io.wshub.hub.MessageReceived;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/** Observes the hub's CDI events the way application code would, and remembers the last few thousand. */
@ApplicationScoped
public class EventLog {

    private final ConcurrentLinkedDeque<String> events = new ConcurrentLinkedDeque<>();

    void connected(@Observes ClientConnected event) {
        add("connected " + event.clientId() + " " + event.userId() + " " + event.nodeId());
    }

    void disconnected(@Observes ClientDisconnected event) {
        add("disconnected " + event.clientId() + " " + event.closeCode() + " " + event.reason());
    }

    void received(@Observes MessageReceived event) {
        add("received " + event.clientId() + " " + event.messageType() + " " + event.messageId());
    }

    void failed(@Observes HandlerFailed event) {
        add("failed " + event.clientId() + " " + event.messageType() + " " + event.errorCode()
                + (event.cause() == null ? "" : " cause=" + event.cause().getMessage()));
    }

    private void add(String event) {
        events.add(event);
        while (events.size() > 5000) {
            events.pollFirst();
        }
    }

    /** The events that mention {@code clientId}, oldest first. */
    public List<String> about(String clientId) {
        return events.stream().filter(e -> e.contains(" " + clientId + " ") || e.endsWith(" " + clientId)).toList();
    }
}
