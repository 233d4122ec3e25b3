package io.wshub.delivery;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link OfflineStore} guarantees (see there), run against each engine: order, the bound, expiry, taking
 * without an acknowledgement, keeping with one until removed once, putting back, summary and clearing.
 */
public abstract class OfflineStoreContract {

    protected static final int MAX_PER_USER = 3;
    protected static final long TTL_MILLIS = 60_000;
    private static int users;

    /** A store with {@link #MAX_PER_USER} and {@link #TTL_MILLIS}. */
    protected abstract OfflineStore store();

    protected static String user() {
        return "user-" + (++users) + "-" + System.nanoTime();
    }

    protected static OfflineMessage plain(String content, long timestamp) {
        return new OfflineMessage("direct_message", "{\"content\":\"" + content + "\"}", timestamp, null, null);
    }

    protected static OfflineMessage acked(String content, long timestamp) {
        return new OfflineMessage("direct_message", "{\"content\":\"" + content + "\"}", timestamp,
                "node-a." + content, new Receipt("sender", 7L, "target").toJson());
    }

    private static List<String> contents(List<OfflineMessage> messages) {
        return messages.stream().map(m -> m.dataJson().replaceAll(".*\"content\":\"([^\"]*)\".*", "$1")).toList();
    }

    @Test
    void takeReturnsInOrderAndRemovesOnlyThoseWithoutAcknowledgement() {
        OfflineStore store = store();
        String user = user();
        long now = System.currentTimeMillis();
        store.store(user, plain("one", now));
        store.store(user, acked("two", now + 1));
        store.store(user, plain("three", now + 2));
        assertEquals(List.of("one", "two", "three"), contents(store.take(user, now + 3)));
        assertEquals(List.of("two"), contents(store.take(user, now + 3)), "the acknowledged one stays");
        assertEquals(new OfflineStore.Summary(1, now + 1), store.summary(user, now + 3));
    }

    @Test
    void beyondTheBoundTheOldestIsDropped() {
        OfflineStore store = store();
        String user = user();
        long now = System.currentTimeMillis();
        for (int i = 1; i <= MAX_PER_USER; i++) {
            assertEquals(0, store.store(user, plain("m" + i, now + i)));
        }
        assertEquals(1, store.store(user, plain("m4", now + 4)));
        assertEquals(new OfflineStore.Summary(3, now + 2), store.summary(user, now + 5));
        assertEquals(List.of("m2", "m3", "m4"), contents(store.take(user, now + 5)));
    }

    @Test
    void expiredMessagesAreNeitherCountedNorReplayed() {
        OfflineStore store = store();
        String user = user();
        long now = System.currentTimeMillis();
        store.store(user, acked("old", now - TTL_MILLIS - 1));
        store.store(user, plain("fresh", now));
        assertEquals(new OfflineStore.Summary(1, now), store.summary(user, now));
        assertEquals(List.of("fresh"), contents(store.take(user, now)));
        assertEquals(new OfflineStore.Summary(0, 0), store.summary(user, now), "the expired one is gone too");
    }

    @Test
    void anAcknowledgedMessageIsRemovedByOneCallOnly() {
        OfflineStore store = store();
        String user = user();
        long now = System.currentTimeMillis();
        OfflineMessage message = acked("tricky \"quoted\" \\ é ✓ \n line", now);
        store.store(user, message);
        OfflineMessage taken = store.take(user, now).get(0);
        assertEquals(message, taken, "decoded as stored");
        assertTrue(store.remove(user, taken));
        assertFalse(store.remove(user, taken));
        assertEquals(List.of(), store.take(user, now));
    }

    @Test
    void putBackGoesAheadInOrder() {
        OfflineStore store = store();
        String user = user();
        long now = System.currentTimeMillis();
        store.store(user, plain("one", now));
        store.store(user, plain("two", now + 1));
        List<OfflineMessage> taken = store.take(user, now + 2);
        store.store(user, plain("three", now + 2));
        store.putBack(user, taken);
        assertEquals(List.of("one", "two", "three"), contents(store.take(user, now + 3)));
    }

    @Test
    void clearDropsTheList() {
        OfflineStore store = store();
        String user = user();
        long now = System.currentTimeMillis();
        store.store(user, plain("one", now));
        store.store(user, acked("two", now));
        assertEquals(2, store.clear(user));
        assertEquals(new OfflineStore.Summary(0, 0), store.summary(user, now));
        assertEquals(0, store.clear(user));
    }

    @Test
    void aMessageEncodesToTheSameTextAfterDecoding() {
        OfflineMessage message = acked("ü \u2028 \"x\"", 42);
        assertEquals(message.encode(), OfflineMessage.decode(message.encode()).encode());
        assertEquals(message, OfflineMessage.decode(message.encode()));
    }
}
