package io.wshub.messaging;

import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;

/** {@code echo} -> {@code echo} with the same data (GoHub's README example). */
@Dependent
@MessageType("echo")
public class EchoHandler implements MessageHandler {

    @Override
    public Reply handle(Request request) {
        return request.reply("echo", request.data());
    }
}
