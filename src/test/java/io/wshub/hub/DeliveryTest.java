package io.wshub.hub;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.WireCodec;
import io.wshub.protocol.gohub.GoHubCodec;
import io.wshub.protocol.gows.GoWsCodec;
import io.wshub.protocol.jsonrpc.JsonRpcCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A message for many receivers is encoded once per wire format, also in a room that mixes formats. */
class DeliveryTest {

    private static final Outbound MESSAGE = new Outbound(1, "room_message", "{\"room_id\":\"r\",\"content\":\"hi\","
            + "\"sender_id\":\"guest-1\",\"sender_client_id\":\"c\",\"timestamp\":1}", 1, null);

    /** A format that counts its encodings; per connection, with one shared instance for pushes, like JSON-RPC's. */
    private static final class CountingCodec implements WireCodec {
        final AtomicInteger encoded = new AtomicInteger();
        final CountingCodec shared;

        CountingCodec(CountingCodec shared) {
            this.shared = shared;
        }

        @Override
        public void decode(String text, Consumer<Inbound> requests) {
        }

        @Override
        public String encode(Outbound message) {
            encoded.incrementAndGet();
            return "{\"n\":" + message.messageId() + "}";
        }

        @Override
        public String errorData(ErrorCode code, String message, Long requestId) {
            return "{}";
        }

        @Override
        public WireCodec shared() {
            return shared == null ? this : shared;
        }
    }

    @Test
    void eachFormatIsEncodedOnceWhateverTheNumberOfReceivers() {
        List<CountingCodec> formats = new ArrayList<>();
        for (int i = 0; i < Delivery.CACHED_FORMATS; i++) {
            formats.add(new CountingCodec(null));
        }
        Delivery delivery = new Delivery(MESSAGE);
        for (int receiver = 0; receiver < 100; receiver++) {
            Frame frame = delivery.frameFor(formats.get(receiver % formats.size()));
            assertSame(frame, delivery.frameFor(formats.get(receiver % formats.size())));
        }
        for (CountingCodec format : formats) {
            assertEquals(1, format.encoded.get());
        }
        assertNotSame(delivery.frameFor(formats.get(0)), delivery.frameFor(formats.get(1)));
    }

    @Test
    void connectionsWithCodecsOfTheirOwnShareTheirFormatsFrame() {
        CountingCodec shared = new CountingCodec(null);
        TestHost host = new TestHost(16, 1_000_000);
        Delivery delivery = new Delivery(MESSAGE);
        List<TestOutlet> outlets = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            TestOutlet outlet = new TestOutlet(TestOutlet.Mode.INLINE);
            outlets.add(outlet);
            WireCodec own = i % 2 == 0 ? new CountingCodec(shared) : GoHubCodec.INSTANCE;
            Connection connection = new Connection("c" + i, ClientIdentity.anonymous("guest-" + i, null,
                    Permissions.parse(List.of("*:*"))), outlet, own, host);
            assertTrue(connection.send(delivery));
        }
        assertEquals(1, shared.encoded.get());
        assertEquals("{\"n\":1}", outlets.get(0).written.get(0));
        assertTrue(outlets.get(1).written.get(0).contains("\"message_type\":\"room_message\""));
    }

    @Test
    void theRealFormatsShareOneCodecForPushes() {
        assertSame(JsonRpcCodec.forConnection(10).shared(), JsonRpcCodec.forConnection(20).shared());
        assertSame(GoWsCodec.forConnection().shared(), GoWsCodec.forConnection().shared());
        assertNotSame(GoWsCodec.forConnection(), GoWsCodec.forConnection());
        Delivery delivery = new Delivery(MESSAGE);
        Frame jsonRpc = delivery.frameFor(JsonRpcCodec.forConnection(10).shared());
        assertSame(jsonRpc, delivery.frameFor(JsonRpcCodec.forConnection(10).shared()));
        assertTrue(jsonRpc.text().contains("\"method\":\"message\""));
        assertTrue(delivery.frameFor(GoWsCodec.forConnection().shared()).text().contains("\"client\":\"c\""));
    }
}
