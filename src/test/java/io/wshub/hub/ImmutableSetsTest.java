package io.wshub.hub;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The copy-on-write sets behind a connection's rooms and a user's connections. */
class ImmutableSetsTest {

    @Test
    void addingAndRemovingGivesTheSameElementsAsAHashSet() {
        Random random = new Random(7);
        Set<String> expected = new HashSet<>();
        Set<String> set = Set.of();
        for (int i = 0; i < 5_000; i++) {
            String element = "r" + random.nextInt(12);
            if (random.nextBoolean()) {
                expected.add(element);
                set = ImmutableSets.with(set, element);
            } else {
                expected.remove(element);
                set = ImmutableSets.without(set, element);
            }
            assertEquals(expected, set, "after step " + i);
        }
    }

    @Test
    void anUnchangedSetIsTheSameObjectAndNoSetCanBeChangedInPlace() {
        Set<String> one = ImmutableSets.with(Set.of(), "a");
        assertSame(one, ImmutableSets.with(one, "a"));
        assertSame(one, ImmutableSets.without(one, "b"));
        assertEquals(Set.of(), ImmutableSets.without(one, "a"));
        assertThrows(UnsupportedOperationException.class, () -> one.add("b"));
    }
}
