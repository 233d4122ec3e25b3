package io.wshub.routing;

import java.util.concurrent.CompletionStage;

/**
 * Handles one client message type whose answer comes later: it returns at once and completes the stage when done,
 * so that no socket thread waits (for Redis, say). The connection's next requests wait for the stage, so a client
 * still gets its answers in the order it asked. Annotate the bean with {@link MessageType}, as for
 * {@link MessageHandler}. The stage completes with the reply, null for none, or exceptionally with a
 * {@link io.wshub.protocol.HubException} to answer with an error frame.
 */
@FunctionalInterface
public interface AsyncMessageHandler {

    CompletionStage<Reply> handle(Request request);
}
