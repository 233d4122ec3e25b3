package io.wshub.delivery;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonString;

/**
 * {@code ack {ack_id}}: the client received the push {@code ack_id}. No reply, ever: an unknown or already
 * acknowledged id is ignored (and counted); only a missing or non-string {@code ack_id} is 1001.
 */
@Dependent
@MessageType("ack")
public class AckHandler implements MessageHandler {

    @Inject
    Acks acks;

    @Override
    public Reply handle(Request request) {
        if (!(request.data().get("ack_id") instanceof JsonString ackId)) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "data.ack_id must be a string");
        }
        acks.clientAcked(request.client(), ackId.getString());
        return null;
    }
}
