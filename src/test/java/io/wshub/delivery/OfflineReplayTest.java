package io.wshub.delivery;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.hub.Connection;
import io.wshub.hub.Frame;
import io.wshub.hub.Outlet;
import io.wshub.hub.TestHost;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writing stored messages to a new connection: an acknowledgement can never come before the replay remembers it. */
class OfflineReplayTest {

    private final TestHost host = new TestHost(100, 1_000_000);
    private final OfflineReplay replay = new OfflineReplay();
    private final Function<OfflineMessage, Outbound> frames = message ->
            new Outbound(1, message.type(), message.dataJson(), message.timestamp(), null);

    @AfterEach
    void stopTimer() {
        host.close();
    }

    /**
     * The fastest client there is: it acknowledges each frame while it is being written (a socket write can complete
     * inside {@code send}, and the client's {@code ack} be read on another thread before {@code send} returns).
     */
    private final class AcknowledgingClient implements Outlet {
        final List<String> acknowledged = new CopyOnWriteArrayList<>();
        final List<OfflineMessage> claimed = new CopyOnWriteArrayList<>();
        Connection connection;

        @Override
        public void write(Frame frame, Done done) {
            var data = Json.parse(frame.text()).asJsonObject().getJsonObject("data");
            if (data.containsKey("ack_id")) {
                String ackId = data.getString("ack_id");
                acknowledged.add(ackId);
                claimed.add(replay.claim(connection.id(), ackId));
            }
            done.completed(null);
        }

        @Override
        public void ping(Done done) {
            done.completed(null);
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    private Connection connect(Outlet outlet) {
        return new Connection("c-" + System.nanoTime(), ClientIdentity.anonymous("guest-replay", null,
                Permissions.parse(List.of("*:*"))), outlet, GoHubCodec.INSTANCE, host);
    }

    private static OfflineMessage stored(int n, String ackId) {
        String data = ackId == null ? "{\"n\":" + n + "}"
                : "{\"n\":" + n + ",\"ack_id\":\"" + ackId + "\",\"ack_required\":true}";
        return new OfflineMessage("note", data, 1_000 + n, ackId, ackId == null ? null : "{}");
    }

    @Test
    void anAcknowledgementWrittenBackDuringTheSendFindsTheStoredMessage() {
        AcknowledgingClient client = new AcknowledgingClient();
        client.connection = connect(client);
        List<OfflineMessage> messages = List.of(stored(1, "node-a.first"), stored(2, null),
                stored(3, "node-a.third"));

        assertEquals(3, replay.write(client.connection, messages, frames));

        assertEquals(List.of("node-a.first", "node-a.third"), client.acknowledged);
        assertSame(messages.get(0), client.claimed.get(0), "the first ack claims its stored message");
        assertSame(messages.get(2), client.claimed.get(1), "the second ack claims its stored message");
        assertNull(replay.claim(client.connection.id(), "node-a.first"), "claimed once only");
    }

    @Test
    void aMessageTheConnectionRefusesIsNotRemembered() {
        AcknowledgingClient client = new AcknowledgingClient();
        client.connection = connect(client);
        client.connection.close(1000, "bye");
        assertFalse(client.connection.send(frames.apply(stored(0, null))), "a closed connection refuses sends");

        assertEquals(0, replay.write(client.connection, List.of(stored(1, "node-a.refused")), frames));

        assertTrue(client.acknowledged.isEmpty());
        assertNull(replay.claim(client.connection.id(), "node-a.refused"), "nothing left to claim");
    }
}
