package io.wshub.presence;

import java.util.HashMap;
import java.util.Map;

/**
 * Which of a user's presence transitions a node tells its watchers, when they may arrive out of order: each node tells
 * the transitions it decided, and the bus does not order the messages of different nodes (a user that moves from one
 * node to another can go offline on one and online on the other in one order, and be heard in the other).
 * <p>
 * Each transition has the user's presence version, which grows in the order the transitions were decided. One older
 * than the last told is dropped (a later one was told); one that repeats the state last told is not told again (the
 * transition between them is late, or was missed), but its version counts. So a watcher hears a user's transitions
 * alternate, online and offline, and the last one it hears is the user's state. A version of 0 (a node that does not
 * give versions) is told when it changes the state, and leaves the version as it was.
 * <p>
 * Not thread-safe: one thread at a time ({@link Watchers} tells transitions one at a time).
 */
final class TransitionOrder {

    private record Told(long version, boolean online) {
    }

    private final Map<String, Told> last = new HashMap<>();

    /** Whether to tell this transition of {@code userId}; remembers it if so, or if it is newer. */
    boolean admit(String userId, long version, boolean online) {
        Told told = last.get(userId);
        if (told != null && version > 0 && version <= told.version()) {
            return false;
        }
        long kept = version > 0 ? version : told == null ? 0 : told.version();
        last.put(userId, new Told(kept, online));
        return told == null || told.online() != online;
    }

    /**
     * A watcher was told the user's state (read from the directory, without a version): kept as the state last told
     * unless one was told already, so that a transition that repeats it is not told. Its version stays 0: the next
     * transition with a version is ordered from there.
     */
    void seed(String userId, boolean online) {
        last.putIfAbsent(userId, new Told(0, online));
    }

    /** Nobody watches the user any more: nothing to keep. */
    void forget(String userId) {
        last.remove(userId);
    }

    /** Users whose last transition is kept. */
    int size() {
        return last.size();
    }
}
