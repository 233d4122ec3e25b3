package io.wshub.it.app;

import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;

/** A handler with a bug: the hub must answer 1003 and report it, not drop the connection. */
@ApplicationScoped
@MessageType("test_fail")
public class FailingHandler implements MessageHandler {

    @Override
    public Reply handle(Request request) {
        throw new IllegalStateException("deliberate test failure");
    }
}
