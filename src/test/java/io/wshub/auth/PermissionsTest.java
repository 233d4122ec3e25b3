package io.wshub.auth;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PermissionsTest {

    @Test
    void wildcardsMatchInActionAndResource() {
        Permissions permissions = Permissions.parse(List.of("join:room-*", "publish:lobby", "*:public.*"));
        assertTrue(permissions.allows("join", "room-1"));
        assertTrue(permissions.allows("join", "room-"));
        assertFalse(permissions.allows("join", "lobby"));
        assertTrue(permissions.allows("publish", "lobby"));
        assertFalse(permissions.allows("publish", "lobby2"));
        assertTrue(permissions.allows("direct", "public.x"));
        assertFalse(permissions.allows("direct", "publicXx"), "a dot is literal, not a regex");
    }

    @Test
    void entryWithoutResourceGrantsTheActionEverywhereAndBlanksAreIgnored() {
        Permissions permissions = Permissions.parse(List.of("direct", " ", ""));
        assertTrue(permissions.allows("direct", "anyone"));
        assertFalse(permissions.allows("join", "anything"));
        assertEquals(List.of("direct:*"), permissions.granted());
    }

    @Test
    void aStarMatchesAnyRunOfCharactersColonIncluded() {
        Permissions permissions = Permissions.parse(List.of("j*:x", "a*b*c:*", "***:**"));
        assertTrue(permissions.allows("join", "a:x"));
        assertTrue(permissions.allows("abc", ""));
        assertTrue(permissions.allows("aXbYc", "anything"));
        assertFalse(Permissions.parse(List.of("a*b*c:*")).allows("acb", "x"));
        assertFalse(Permissions.parse(List.of("x:ab*ba")).allows("x", "aba"), "prefix and suffix must not overlap");
        assertTrue(Permissions.parse(List.of("x:ab*ba")).allows("x", "abba"));
        assertTrue(permissions.allows("", ""));
    }

    @Test
    void manyStarsStayFast() {
        // a backtracking regex takes time exponential in the stars here (found by PermissionsFuzzTest)
        Permissions stars = Permissions.parse(List.of("a*".repeat(30) + ":*", "join:" + "room-*".repeat(25) + "x",
                "************\uFFFD*:*"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertFalse(stars.allows("a", "a".repeat(2000)));
            assertFalse(stars.allows("join", "room-".repeat(400)));
            assertFalse(stars.allows("a\0\0\0*******", "*:M*"));
            assertTrue(stars.allows("a", "a".repeat(29) + ":"));
        });
    }

    @Test
    void nullEntriesAreIgnored() {
        Permissions permissions = Permissions.parse(Arrays.asList(null, "join:lobby", null));
        assertEquals(List.of("join:lobby"), permissions.granted());
        assertTrue(permissions.allows("join", "lobby"));
    }

    @Test
    void nothingGrantedAllowsNothingAndRequireAnswers2001() {
        Permissions none = Permissions.parse(List.of());
        assertFalse(none.allows("join", "x"));
        HubException denied = assertThrows(HubException.class, () -> none.require("join", "x"));
        assertEquals(ErrorCode.FORBIDDEN, denied.code());
        assertTrue(Permissions.ALL.allows("anything", "at:all"));
    }
}
