package io.wshub.hub;

import java.util.Set;

/**
 * Small immutable sets replaced whole on change, for per-connection and per-user sets that are read often, change
 * rarely and mostly hold one element: {@code Set.of} keeps one or two elements in a 24-byte object, where a concurrent
 * set costs about 200 bytes.
 */
final class ImmutableSets {

    private ImmutableSets() {
    }

    /** {@code set} with {@code element}, the same set if it has it. */
    @SuppressWarnings("unchecked")
    static <T> Set<T> with(Set<T> set, T element) {
        if (set.contains(element)) {
            return set;
        }
        Object[] elements = set.toArray(new Object[set.size() + 1]);
        elements[set.size()] = element;
        return (Set<T>) Set.of(elements);
    }

    /** {@code set} without {@code element}, the same set if it does not have it. */
    @SuppressWarnings("unchecked")
    static <T> Set<T> without(Set<T> set, T element) {
        if (!set.contains(element)) {
            return set;
        }
        Object[] elements = new Object[set.size() - 1];
        int i = 0;
        for (T each : set) {
            if (!each.equals(element)) {
                elements[i++] = each;
            }
        }
        return (Set<T>) Set.of(elements);
    }
}
