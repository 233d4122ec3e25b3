package io.wshub.auth;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void nothingGrantedAllowsNothingAndRequireAnswers2001() {
        Permissions none = Permissions.parse(List.of());
        assertFalse(none.allows("join", "x"));
        HubException denied = assertThrows(HubException.class, () -> none.require("join", "x"));
        assertEquals(ErrorCode.FORBIDDEN, denied.code());
        assertTrue(Permissions.ALL.allows("anything", "at:all"));
    }
}
