package io.wshub.hub;

import io.wshub.cluster.Envelope;
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

    public void receive(Envelope envelope) {
        String target = envelope.target();
        switch (envelope.kind()) {
            case ROOM_MESSAGE -> rooms.deliver(target, hub.relayed(envelope), null);
            case USER_MESSAGE -> hub.deliverToUser(target, envelope.platform(), hub.relayed(envelope));
            case CLIENT_MESSAGE -> hub.connection(target).ifPresent(c -> c.send(hub.relayed(envelope)));
            case BROADCAST -> hub.deliverToAll(hub.relayed(envelope));
            case KICK_CLIENT -> hub.connection(target).ifPresent(c -> hub.kickLocal(c, envelope.code(),
                    envelope.reason(), envelope.carriesMessage() ? hub.relayed(envelope) : null));
            case KICK_USER -> hub.kickLocalUser(target, envelope.code(), envelope.reason());
            case ATTACH -> rooms.attached(target, envelope.room());
            case DETACH -> rooms.detached(target, envelope.room());
            case ROOM_DELETED -> rooms.deleted(target);
        }
    }
}
