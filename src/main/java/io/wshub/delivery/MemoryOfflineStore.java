package io.wshub.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline store of a single node: a bounded map (at most {@link #MAX_USERS} users; beyond it the user used longest
 * ago loses its list) of bounded lists, under one lock; nothing in it waits for I/O. Lost when the node stops.
 */
public final class MemoryOfflineStore implements OfflineStore {

    /** Users with stored messages; beyond it the user whose list was used least recently loses it (counted as dropped). */
    static final int MAX_USERS = 100_000;

    private final int maxPerUser;
    private final long ttlMillis;
    private final int maxUsers;
    private final LinkedHashMap<String, Deque<OfflineMessage>> lists;

    public MemoryOfflineStore(int maxPerUser, long ttlMillis) {
        this(maxPerUser, ttlMillis, MAX_USERS);
    }

    MemoryOfflineStore(int maxPerUser, long ttlMillis, int maxUsers) {
        this.maxPerUser = maxPerUser;
        this.ttlMillis = ttlMillis;
        this.maxUsers = maxUsers;
        this.lists = new LinkedHashMap<>(16, 0.75f, true);
    }

    @Override
    public synchronized int store(String userId, OfflineMessage message) {
        Deque<OfflineMessage> list = lists.computeIfAbsent(userId, id -> new ArrayDeque<>());
        list.addLast(message);
        int dropped = 0;
        while (list.size() > maxPerUser) {
            list.removeFirst();
            dropped++;
        }
        if (lists.size() > maxUsers) {
            Iterator<Map.Entry<String, Deque<OfflineMessage>>> eldest = lists.entrySet().iterator();
            dropped += eldest.next().getValue().size();
            eldest.remove();
        }
        return dropped;
    }

    @Override
    public synchronized List<OfflineMessage> take(String userId, long nowMillis) {
        Deque<OfflineMessage> list = lists.get(userId);
        if (list == null) {
            return List.of();
        }
        List<OfflineMessage> live = new ArrayList<>();
        for (Iterator<OfflineMessage> it = list.iterator(); it.hasNext(); ) {
            OfflineMessage message = it.next();
            boolean expired = expired(message, nowMillis);
            if (!expired) {
                live.add(message);
            }
            if (expired || !message.acknowledged()) {
                it.remove();
            }
        }
        if (list.isEmpty()) {
            lists.remove(userId);
        }
        return live;
    }

    @Override
    public synchronized void putBack(String userId, List<OfflineMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        Deque<OfflineMessage> list = lists.computeIfAbsent(userId, id -> new ArrayDeque<>());
        for (int i = messages.size() - 1; i >= 0; i--) {
            list.addFirst(messages.get(i));
        }
    }

    @Override
    public synchronized boolean remove(String userId, OfflineMessage message) {
        Deque<OfflineMessage> list = lists.get(userId);
        if (list == null || !list.remove(message)) {
            return false;
        }
        if (list.isEmpty()) {
            lists.remove(userId);
        }
        return true;
    }

    @Override
    public synchronized Summary summary(String userId, long nowMillis) {
        Deque<OfflineMessage> list = lists.get(userId);
        if (list == null) {
            return new Summary(0, 0);
        }
        List<OfflineMessage> live = list.stream().filter(m -> !expired(m, nowMillis)).toList();
        return new Summary(live.size(), live.isEmpty() ? 0 : live.get(0).timestamp());
    }

    @Override
    public synchronized int clear(String userId) {
        Deque<OfflineMessage> list = lists.remove(userId);
        return list == null ? 0 : list.size();
    }

    private boolean expired(OfflineMessage message, long nowMillis) {
        return message.timestamp() < nowMillis - ttlMillis;
    }
}
