package io.wshub.transport.sse;

import io.wshub.hub.RoomPosition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseCursorTest {

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void itHoldsEveryRoomsOffsetAndEpochAndReadsBackWhatItWrote() {
        SseCursor cursor = new SseCursor();
        assertEquals(base64("{}"), cursor.encoded());
        cursor.advance(new RoomPosition("a", 3, "e1"));
        cursor.advance(new RoomPosition("b/ü", 0, "e2"));
        cursor.advance(new RoomPosition("a", 4, null)); // a numbered push keeps the room's epoch
        String written = cursor.encoded();
        assertEquals(base64("{\"a\":[4,\"e1\"],\"b/ü\":[0,\"e2\"]}"), written);
        SseCursor read = SseCursor.parse(written).orElseThrow();
        assertEquals(Optional.of(new SseCursor.Mark(4, "e1")), read.mark("a"));
        assertEquals(Optional.of(new SseCursor.Mark(0, "e2")), read.mark("b/ü"));
        assertEquals(written, read.encoded());
    }

    @Test
    void aPushOfARoomWithoutAKnownEpochLeavesItOut() {
        SseCursor cursor = new SseCursor();
        cursor.advance(new RoomPosition("a", 5, null));
        assertEquals(Optional.empty(), cursor.mark("a"));
    }

    @Test
    void itKeepsOnlyTheRoomsOfTheStream() {
        SseCursor cursor = SseCursor.parse(base64("{\"a\":[1,\"e\"],\"b\":[2,\"e\"]}")).orElseThrow();
        String before = cursor.encoded();
        cursor.keepOnly(List.of("b", "c"));
        assertNotEquals(before, cursor.encoded());
        assertEquals(Optional.empty(), cursor.mark("a"));
        assertEquals(Optional.of(new SseCursor.Mark(2, "e")), cursor.mark("b"));
    }

    @Test
    void whatIsNotOneOfOursIsRefused() {
        for (String text : List.of("", "not base64 !", base64("[]"), base64("{\"a\":1}"), base64("{\"a\":[-1,\"e\"]}"),
                base64("{\"a\":[1,\"\"]}"), base64("{\"a\":[1.5,\"e\"]}"), base64("{\"a\":[1,\"e\",3]}"),
                base64("{\"a\":"))) {
            assertTrue(SseCursor.parse(text).isEmpty(), text);
        }
    }
}
