package io.wshub.messaging;

import io.wshub.auth.Platforms;
import io.wshub.delivery.AckPolicy;
import io.wshub.delivery.Acks;
import io.wshub.delivery.Deliveries;
import io.wshub.delivery.Receipt;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.math.BigDecimal;
import java.util.concurrent.CompletionStage;

/**
 * {@code direct_message {target_id, content, platform?, ack?, ack_timeout_ms?, ack_retries?}}: every connection of
 * user {@code target_id} (on {@code platform} only, when given), on any node, receives
 * {@code direct_message {content, sender_id, timestamp}}. Nobody online by
 * that id is error 4001, unless the offline store is on: then the message waits for the user's next connection.
 * <p>
 * With {@code ack: true} the push also carries {@code ack_id} and {@code ack_required: true}, is sent again (marked
 * {@code redelivered}) until a connection of the target acknowledges it, and the sender receives
 * {@code direct_acked {target_id, client_id, ack_id}} answering its request, or error 4004 after the retries; a
 * stored one is answered {@code direct_stored {target_id, ack_id}} at once. No reply otherwise.
 */
@Dependent
@MessageType("direct_message")
public class DirectMessageHandler implements AsyncMessageHandler {

    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    @Inject
    Deliveries deliveries;
    @Inject
    Acks acks;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        String target = request.requiredString("target_id");
        JsonValue content = request.requiredValue("content");
        String platform = Platforms.check(optionalString(request, "platform"));
        boolean ack = optionalBoolean(request, "ack");
        Long timeoutMillis = optionalCount(request, "ack_timeout_ms");
        Long retries = optionalCount(request, "ack_retries");
        request.client().permissions().require("direct", target);
        var data = Json.object()
                .add("content", content)
                .add("sender_id", request.client().userId())
                .add("timestamp", System.currentTimeMillis())
                .build();
        AckPolicy policy = ack ? acks.policy(timeoutMillis,
                retries == null ? null : (int) Math.min(Integer.MAX_VALUE, retries)) : null;
        Receipt receipt = ack ? new Receipt(request.client().id(), request.messageId(), target) : null;
        return deliveries.toUser(target, platform, "direct_message", data, policy, receipt).thenApply(outcome -> {
            if (ack && outcome instanceof Deliveries.Stored stored) {
                return request.reply("direct_stored", Json.object().add("target_id", target)
                        .add("ack_id", stored.ackId()).build());
            }
            return null; // direct_acked or 4004 follows when the acknowledgement is decided
        });
    }

    private static String optionalString(Request request, String field) {
        JsonValue value = request.data().get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonString string) {
            return string.getString();
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "data." + field + " must be a string");
    }

    private static boolean optionalBoolean(Request request, String field) {
        JsonValue value = request.data().get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return false;
        }
        if (value.getValueType() == JsonValue.ValueType.TRUE || value.getValueType() == JsonValue.ValueType.FALSE) {
            return value.getValueType() == JsonValue.ValueType.TRUE;
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "data." + field + " must be a boolean");
    }

    /** A non-negative whole number, or null when absent. */
    private static Long optionalCount(Request request, String field) {
        JsonValue value = request.data().get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        // compared as a decimal: 1e999999 must not be expanded into a BigInteger
        if (value instanceof JsonNumber number && number.isIntegral() && number.bigDecimalValue().signum() >= 0) {
            return number.bigDecimalValue().compareTo(LONG_MAX) > 0 ? Long.MAX_VALUE
                    : number.bigDecimalValue().longValue();
        }
        throw new HubException(ErrorCode.INVALID_FORMAT, "data." + field + " must be a non-negative integer");
    }
}
