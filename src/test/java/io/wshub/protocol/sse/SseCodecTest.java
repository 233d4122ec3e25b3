package io.wshub.protocol.sse;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Outbound;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class SseCodecTest {

    private static String encode(String type, String data) {
        return SseCodec.INSTANCE.encode(new Outbound(7, type, data, 1000, null));
    }

    @Test
    void aMessageIsAnEventBlockWithItsGoHubData() {
        assertEquals("event: room_message\ndata: {\"room_id\":\"a\",\"content\":\"hi\"}\n\n",
                encode("room_message", "{\"room_id\":\"a\",\"content\":\"hi\"}"));
    }

    @Test
    void lineBreaksInDataBecomeDataLinesAndInTheTypeCannotEndTheField() {
        assertEquals("event: a b\ndata: {\ndata:  \"x\": 1\ndata: }\n\n", encode("a\nb", "{\r\n \"x\": 1\r}"));
    }

    @Test
    void aFailedRecoveryIsAlsoARecoveryFailedEvent() {
        String joined = "{\"room_id\":\"r\",\"status\":\"joined\",\"offset\":9,\"epoch\":\"e\",\"recovered\":false}";
        assertEquals("event: room_joined\ndata: " + joined + "\n\nevent: recovery_failed\ndata: {\"room_id\":\"r\"}\n\n",
                encode("room_joined", joined));
        String recovered = joined.replace("false", "true");
        assertEquals("event: room_joined\ndata: " + recovered + "\n\n", encode("room_joined", recovered));
        // a backend's data that merely contains the text is not a room_joined of the hub
        assertFalse(encode("notice", "{\"recovered\":false,\"room_id\":\"r\"}").contains("recovery_failed"));
    }

    @Test
    void shutdownSetsTheBrowsersReconnectDelay() {
        assertEquals("retry: 1234\nevent: shutdown\ndata: {\"reconnect_after_ms\":1234}\n\n",
                encode("shutdown", "{\"reconnect_after_ms\":1234}"));
    }

    @Test
    void errorDataIsGoHubs() {
        assertEquals("{\"code\":2001,\"message\":\"no\",\"request_id\":1}",
                SseCodec.INSTANCE.errorData(ErrorCode.FORBIDDEN, "no", 1L));
    }
}
