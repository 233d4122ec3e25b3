package io.wshub.it.dup;

import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;

/** Claims the built-in "echo" type a second time: the deployment must fail and say so. */
@ApplicationScoped
@MessageType("echo")
public class DuplicateEchoHandler implements MessageHandler {

    @Override
    public Reply handle(Request request) {
        return null;
    }
}
