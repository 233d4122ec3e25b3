package io.wshub.presence;

import io.wshub.cluster.Bus;
import io.wshub.cluster.ClusterUnavailableException;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Envelope;
import io.wshub.cluster.Presence;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.json.JsonValue;
import jakarta.inject.Inject;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the directory's presence transitions into what clients and the application see: {@code member_joined} /
 * {@code member_left} to the room's members on every node (through the room's bus channel, so only nodes with members
 * get them; not to the connection that joined or left), {@code user_online} / {@code user_offline} to the user's
 * watchers on every node (through the user's presence topic, so only nodes with watchers get them), and the CDI
 * events {@link UserOnline}, {@link UserOffline}, {@link MemberJoined}, {@link MemberLeft}.
 * <p>
 * The directory tells it on the thread that wrote (the cluster thread, or the heartbeat's for a sweep): sends and bus
 * publishes only queue; the CDI events, whose observers may take their time, are fired on a worker.
 */
@ApplicationScoped
public class PresenceEvents implements Presence.Listener {

    private static final Logger LOG = Logger.getLogger(PresenceEvents.class.getName());

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    HubMetrics metrics;
    @Inject
    Bus bus;
    @Inject
    Directory directory;
    @Inject
    RoomRegistry rooms;
    @Inject
    Watchers watchers;
    @Inject
    ClusterCalls cluster;
    @Inject
    Event<UserOnline> userOnline;
    @Inject
    Event<UserOffline> userOffline;
    @Inject
    Event<MemberJoined> memberJoined;
    @Inject
    Event<MemberLeft> memberLeft;

    @Inject
    BeanManager beanManager;

    /** Firing an event nobody observes still costs (a user comes online with most connects): only observed ones. */
    private record Observed(boolean userOnline, boolean userOffline, boolean memberJoined, boolean memberLeft) {
    }

    private Observed observed = new Observed(false, false, false, false);
    /** CDI events waiting for the one worker task that fires them in order. */
    private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    /** Starts listening to the directory; before the node admits its first connection. */
    public void start() {
        hub = hub.direct().get();
        metrics = metrics.direct().get();
        observed = new Observed(observes(new UserOnline(null, null)), observes(new UserOffline(null, 0)),
                observes(new MemberJoined(null, null, null)), observes(new MemberLeft(null, null, null)));
        watchers.start();
        directory.listen(this);
    }

    private boolean observes(Object event) {
        return !beanManager.resolveObserverMethods(event).isEmpty();
    }

    @Override
    public void userOnline(String userId, String platform, long version) {
        toWatchers(userId, true, version, Json.object().add("user_id", userId)
                .add("platform", platform == null ? JsonValue.NULL : Json.PROVIDER.createValue(platform)));
        if (observed.userOnline) {
            fire(() -> userOnline.fire(new UserOnline(userId, platform)));
        }
    }

    @Override
    public void userOffline(String userId, long lastSeen, long version) {
        toWatchers(userId, false, version, Json.object().add("user_id", userId).add("last_seen", lastSeen));
        if (observed.userOffline) {
            fire(() -> userOffline.fire(new UserOffline(userId, lastSeen)));
        }
    }

    @Override
    public void memberJoined(String roomId, String clientId, String userId) {
        toMembers(roomId, clientId, userId, "member_joined");
        if (observed.memberJoined) {
            fire(() -> memberJoined.fire(new MemberJoined(roomId, userId, clientId)));
        }
    }

    @Override
    public void memberLeft(String roomId, String clientId, String userId) {
        toMembers(roomId, clientId, userId, "member_left");
        if (observed.memberLeft) {
            fire(() -> memberLeft.fire(new MemberLeft(roomId, userId, clientId)));
        }
    }

    private void toWatchers(String userId, boolean online, long version, jakarta.json.JsonObjectBuilder data) {
        String type = Watchers.type(online);
        metrics.presenceEvent(type);
        Outbound message = hub.message(type, data.build().toString(), null);
        try {
            bus.publishToRoom(Watchers.topic(userId), Envelope.watchedUser(config.nodeId(), userId, type,
                    message.dataJson(), message.timestamp(), version));
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "{0} of {1}: told on this node only: {2}", new Object[]{type, userId, e});
        }
        watchers.deliver(userId, message, version);
    }

    private void toMembers(String roomId, String clientId, String userId, String type) {
        metrics.presenceEvent(type);
        Outbound message = hub.message(type, Json.object().add("room_id", roomId).add("user_id", userId)
                .add("client_id", clientId).build().toString(), null);
        try {
            bus.publishToRoom(roomId, Envelope.roomMessage(config.nodeId(), roomId, type, message.dataJson(),
                    message.timestamp(), clientId, 0));
        } catch (ClusterUnavailableException e) {
            LOG.log(Level.FINE, "{0} in {1}: told on this node only: {2}", new Object[]{type, roomId, e});
        }
        rooms.deliver(roomId, message, clientId, 0);
    }

    /**
     * Fires on a worker, one event at a time in the order of the transitions: two workers firing a user's
     * UserOnline and UserOffline side by side could let an observer see them the other way round.
     */
    private void fire(Runnable event) {
        pending.add(event);
        drain();
    }

    private void drain() {
        if (!draining.compareAndSet(false, true)) {
            return; // the running drain takes it
        }
        cluster.onWorker(() -> {
            try {
                Runnable next;
                while ((next = pending.poll()) != null) {
                    try {
                        next.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "a presence event observer failed", e);
                    }
                }
            } finally {
                draining.set(false);
            }
            if (!pending.isEmpty()) {
                drain(); // added after the last poll, before draining was cleared
            }
        });
    }
}
