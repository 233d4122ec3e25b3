package io.wshub.delivery;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The single node's offline store: the contract, and its bounded number of users. */
class MemoryOfflineStoreTest extends OfflineStoreContract {

    @Override
    protected OfflineStore store() {
        return new MemoryOfflineStore(MAX_PER_USER, TTL_MILLIS);
    }

    @Test
    void beyondItsUsersTheLeastRecentlyUsedListGoes() {
        MemoryOfflineStore store = new MemoryOfflineStore(MAX_PER_USER, TTL_MILLIS, 2);
        long now = System.currentTimeMillis();
        store.store("a", plain("a1", now));
        store.store("a", plain("a2", now));
        store.store("b", plain("b1", now));
        assertEquals(2, store.store("c", plain("c1", now)), "a's two messages were dropped");
        assertEquals(List.of(), store.take("a", now));
        assertEquals(1, store.take("b", now).size());
    }
}
