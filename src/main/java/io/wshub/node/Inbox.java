package io.wshub.node;

import io.wshub.cluster.Envelope;
import io.wshub.delivery.Acks;
import io.wshub.hub.Hub;
import io.wshub.presence.Watchers;
import io.wshub.protocol.Outbound;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Carries out on this node what another node sent through the bus; only local connections are touched. */
@ApplicationScoped
public class Inbox {

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    Acks acks;
    @Inject
    Watchers watchers;

    public void receive(Envelope envelope) {
        String target = envelope.target();
        switch (envelope.kind()) {
            case ROOM_MESSAGE -> rooms.deliver(target, relayed(envelope), envelope.except(), envelope.offset());
            case USER_MESSAGE -> hub.deliverToUser(target, envelope.platform(), relayed(envelope));
            case CLIENT_MESSAGE -> hub.connection(target).ifPresent(c -> c.send(relayed(envelope)));
            case BROADCAST -> hub.deliverToAll(relayed(envelope));
            case KICK_CLIENT -> hub.connection(target).ifPresent(c -> hub.close(c, envelope.code(),
                    envelope.reason(), envelope.carriesMessage() ? relayed(envelope) : null));
            case KICK_USER -> hub.closeUser(target, envelope.code(), envelope.reason());
            case ATTACH -> rooms.attached(target, envelope.room());
            case DETACH -> rooms.detached(target, envelope.room());
            case ROOM_DELETED -> rooms.deleted(target);
            case ACK -> acks.acknowledged(target, envelope.room(), envelope.data());
            case WATCHED_USER -> watchers.deliver(target, relayed(envelope), envelope.offset());
        }
    }

    private Outbound relayed(Envelope envelope) {
        return hub.relayed(envelope.type(), envelope.data(), envelope.timestamp());
    }
}
