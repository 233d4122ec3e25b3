package io.wshub.presence;

import io.wshub.cluster.Bus;
import io.wshub.cluster.Presence;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.Hub;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Outbound;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which connections of this node watch which users, and the node's interest in each watched user's presence topic:
 * the node receives a user's {@code user_online}/{@code user_offline} through the bus only while one of its
 * connections watches that user. A connection's watches go with it.
 * <p>
 * No lock over I/O: the maps change in atomic steps, the bus is told after the change (it asks again when it gets to
 * it, so the last change wins).
 */
@ApplicationScoped
public class Watchers {

    /** Topics of watched users share the bus with rooms; a room id never starts with a control character. */
    private static final String TOPIC_PREFIX = "\u0001watch:";

    @Inject
    Hub hub;
    @Inject
    Bus bus;
    @Inject
    HubMetrics metrics;
    @Inject
    PresenceConfig config;

    private final ConcurrentHashMap<String, Set<Connection>> watchersOf = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Connection, Set<String>> watchedBy = new ConcurrentHashMap<>();
    private final AtomicLong watches = new AtomicLong();
    /** Transitions to tell, in the order they came; the thread that sets {@code telling} tells them. */
    private final ConcurrentLinkedQueue<Transition> arriving = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean telling = new AtomicBoolean();
    /** Only the telling thread uses it. */
    private final TransitionOrder order = new TransitionOrder();

    @PostConstruct
    void init() {
        hub = hub.direct().get();
        hub.onDeparture(connection -> unwatch(connection, null));
        metrics.gauge("wshub_presence_watchers", "Watches of users held by this node's connections (connection, user)",
                watches::get);
    }

    /** Makes the bean (its departure hook and gauge) exist from the node's start, not from its first watch. */
    public void start() {
        // the call itself instantiates the bean behind the proxy
    }

    /** The bus topic of a user's presence transitions. */
    public static String topic(String userId) {
        return TOPIC_PREFIX + userId;
    }

    /** The user of a presence topic, or null when {@code topic} is a room. */
    public static String userOf(String topic) {
        return topic.startsWith(TOPIC_PREFIX) ? topic.substring(TOPIC_PREFIX.length()) : null;
    }

    /**
     * Adds watches; 1001 when the connection would then watch more than {@code wshub.presence.max-watched} users
     * (and nothing changes). Completes once the node receives the transitions of every newly watched user.
     */
    public CompletableFuture<Void> watch(Connection connection, Collection<String> userIds) {
        List<String> added = new ArrayList<>();
        int max = config.maxWatched();
        watchedBy.compute(connection, (c, watched) -> {
            Set<String> set = watched == null ? ConcurrentHashMap.newKeySet() : watched;
            long fresh = userIds.stream().filter(id -> !set.contains(id)).count();
            if (set.size() + fresh > max) {
                throw new HubException(ErrorCode.INVALID_FORMAT, "a connection may watch at most " + max
                        + " users (wshub.presence.max-watched); it watches " + set.size());
            }
            for (String id : userIds) {
                if (set.add(id)) {
                    added.add(id);
                    watches.incrementAndGet(); // counted with the entry it counts: unwatch takes it back
                }
            }
            return set.isEmpty() ? null : set;
        });
        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        for (String userId : added) {
            boolean[] first = {false};
            watchersOf.compute(userId, (id, set) -> {
                Set<Connection> watchers = set == null ? ConcurrentHashMap.newKeySet() : set;
                first[0] = watchers.isEmpty();
                watchers.add(connection);
                return watchers;
            });
            subscribed.add(first[0] ? bus.interestChanged(topic(userId)) : CompletableFuture.completedFuture(null));
        }
        if (!connection.isOpen()) {
            // it went meanwhile: its departure may have run before this connection was among the users' watchers
            unwatch(connection, null);
            for (String userId : added) {
                dropWatcher(userId, connection);
            }
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new));
    }

    /** Takes the connection out of the user's watchers; the bus is told when it was the last one. */
    private void dropWatcher(String userId, Connection connection) {
        boolean[] last = {false};
        watchersOf.computeIfPresent(userId, (id, watchers) -> {
            watchers.remove(connection);
            last[0] = watchers.isEmpty();
            return last[0] ? null : watchers;
        });
        if (last[0]) {
            bus.interestChanged(topic(userId));
            arriving.add(new Transition(Step.FORGET, userId, null, 0, false)); // forgets the order kept for the user
            tell();
        }
    }

    /** Removes watches ({@code userIds} null: all of them); returns the ids it removed. */
    public List<String> unwatch(Connection connection, Collection<String> userIds) {
        List<String> removed = new ArrayList<>();
        watchedBy.computeIfPresent(connection, (c, watched) -> {
            Collection<String> ids = userIds == null ? List.copyOf(watched) : userIds;
            for (String id : ids) {
                if (watched.remove(id)) {
                    removed.add(id);
                }
            }
            return watched.isEmpty() ? null : watched;
        });
        for (String userId : removed) {
            watches.decrementAndGet();
            dropWatcher(userId, connection);
        }
        return removed;
    }

    /** The users a connection watches. */
    public Set<String> watchedBy(Connection connection) {
        Set<String> watched = watchedBy.get(connection);
        return watched == null ? Set.of() : Collections.unmodifiableSet(watched);
    }

    /** Whether a connection of this node watches the user. The bus asks. */
    public boolean wanted(String userId) {
        return watchersOf.containsKey(userId);
    }

    /** The presence topics the node needs. */
    public List<String> wantedTopics() {
        return watchersOf.keySet().stream().map(Watchers::topic).toList();
    }

    /** The message type of a transition. */
    public static String type(boolean online) {
        return online ? "user_online" : "user_offline";
    }

    /**
     * Sends a transition of a user ({@code user_online} or {@code user_offline}, with its presence version) to this
     * node's watchers of it, encoded once, in the user's order: one older than a transition told before is dropped,
     * one that repeats the state told last is not told (see {@link TransitionOrder}). Transitions come from this
     * node's cluster thread and heartbeat and from the bus's; they are queued and told one at a time, by whichever
     * caller finds nobody telling, so the order kept and the sends agree, with no lock held over the sends.
     */
    public void deliver(String userId, Outbound message, long version) {
        if (watchersOf.containsKey(userId)) {
            arriving.add(new Transition(Step.TELL, userId, message, version, message.type().equals(type(true))));
            tell();
        }
    }

    /**
     * A watcher was told the users' states (the answer to {@code watch_users}, read after the node receives their
     * transitions): a transition decided before that read but arriving after it repeats what the watcher knows, and
     * is not told. Only for users with nothing told yet on this node; later ones go by their versions.
     */
    public void statesTold(Map<String, Presence.UserStatus> statuses) {
        statuses.forEach((userId, status) -> arriving.add(new Transition(Step.SEED, userId, null, 0, status.online())));
        tell();
    }

    private enum Step { TELL, SEED, FORGET }

    /** A transition to tell, a state a watcher was told, or a user nobody here watches any more. */
    private record Transition(Step step, String userId, Outbound message, long version, boolean online) {
    }

    private void tell() {
        while (telling.compareAndSet(false, true)) {
            try {
                Transition next;
                while ((next = arriving.poll()) != null) {
                    Set<Connection> watchers = watchersOf.get(next.userId());
                    if (watchers == null) {
                        order.forget(next.userId());
                    } else if (next.step() == Step.SEED) {
                        order.seed(next.userId(), next.online());
                    } else if (next.step() == Step.TELL && order.admit(next.userId(), next.version(), next.online())) {
                        Delivery delivery = new Delivery(next.message());
                        watchers.forEach(watcher -> watcher.send(delivery));
                    }
                }
            } finally {
                telling.set(false);
            }
            if (arriving.isEmpty()) {
                return; // else one was added after the last poll, before telling was cleared: tell it too
            }
        }
    }
}
