package io.wshub.presence;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user's transitions told in order, whatever order they arrive in. */
class TransitionOrderTest {

    private final TransitionOrder order = new TransitionOrder();

    /** What a watcher hears of {@code arriving} (each "+version" online, "-version" offline). */
    private List<String> heard(String userId, List<String> arriving) {
        List<String> heard = new ArrayList<>();
        for (String transition : arriving) {
            boolean online = transition.charAt(0) == '+';
            if (order.admit(userId, Long.parseLong(transition.substring(1)), online)) {
                heard.add(transition);
            }
        }
        return heard;
    }

    @Test
    void inOrderEveryTransitionIsTold() {
        assertEquals(List.of("+1", "-2", "+3", "-4"), heard("u", List.of("+1", "-2", "+3", "-4")));
    }

    /** The handover PresenceIT saw: offline on one node and online on the other, heard the other way round. */
    @Test
    void aHandoverHeardOutOfOrderIsToldAsOneStateChangeLess() {
        assertEquals(List.of("+1", "-4"), heard("u", List.of("+1", "+3", "-2", "-4")));
    }

    @Test
    void anOlderTransitionThanOneToldIsDropped() {
        assertEquals(List.of("+5"), heard("u", List.of("+5", "-3", "+4")));
        assertEquals(List.of("-6"), heard("u", List.of("-6", "-6")).subList(0, 1), "the same version once");
    }

    @Test
    void usersAreOrderedEachOnTheirOwn() {
        assertTrue(order.admit("a", 10, true));
        assertTrue(order.admit("b", 2, true), "b's versions are not compared with a's");
        assertTrue(order.admit("b", 3, false));
        assertFalse(order.admit("a", 9, false));
    }

    @Test
    void aForgottenUserStartsAfresh() {
        assertTrue(order.admit("u", 10, true));
        order.forget("u");
        assertEquals(0, order.size());
        assertTrue(order.admit("u", 4, false), "nothing kept: told");
    }

    /**
     * A watcher was told "online" in its {@code users_watched} answer; the transition that made the user online was
     * decided before that read but arrives after it (PresenceIT saw it as a stray user_online): not told again.
     */
    @Test
    void aStateTheWatcherWasToldIsNotToldAgainByALateTransition() {
        order.seed("w", true);
        assertFalse(order.admit("w", 17, true), "the late user_online repeats the answer");
        assertTrue(order.admit("w", 18, false));
        assertFalse(order.admit("w", 16, false), "older than 17, which counted though it was not told");
        order.seed("w", true);
        assertFalse(order.admit("w", 18, true), "a later answer does not override what was told since");
        assertTrue(order.admit("w", 19, true));
    }

    @Test
    void withoutAVersionOnlyAChangeOfStateIsTold() {
        assertTrue(order.admit("u", 0, true));
        assertFalse(order.admit("u", 0, true));
        assertTrue(order.admit("u", 0, false));
        assertTrue(order.admit("u", 7, true));
        assertTrue(order.admit("u", 0, false), "a node without versions is told when it changes the state");
        assertFalse(order.admit("u", 6, true), "older than 7");
    }

    /**
     * Any arrival order of 40 alternating transitions: what is heard alternates, starts with whatever came first and
     * ends with the user's state (the last transition), as long as that one arrived last or the later ones were
     * older.
     */
    @Test
    void whateverTheArrivalOrderWhatIsHeardAlternatesAndEndsWithTheLastState() {
        Random random = new Random(42);
        for (int run = 0; run < 500; run++) {
            List<String> transitions = new ArrayList<>();
            for (int v = 1; v <= 40; v++) {
                transitions.add((v % 2 == 1 ? "+" : "-") + v);
            }
            // neighbours swap: each node tells its own in order, the bus interleaves two nodes' messages
            for (int i = 0; i + 1 < transitions.size(); i++) {
                if (random.nextInt(3) == 0) {
                    Collections.swap(transitions, i, i + 1);
                    i++;
                }
            }
            String user = "u" + run;
            List<String> heard = heard(user, transitions);
            for (int i = 1; i < heard.size(); i++) {
                assertFalse(heard.get(i).charAt(0) == heard.get(i - 1).charAt(0), "alternates: " + heard);
                assertTrue(Long.parseLong(heard.get(i).substring(1)) > Long.parseLong(heard.get(i - 1).substring(1)));
            }
            assertEquals('-', heard.get(heard.size() - 1).charAt(0), "ends offline, as the user is: " + heard
                    + " of " + transitions);
        }
    }
}
