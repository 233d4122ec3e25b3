package io.wshub.routing;

/**
 * Handles one client message type. Implement it in a CDI bean (e.g. {@code @ApplicationScoped}) annotated with
 * {@link MessageType}; no registration code is needed.
 * <pre>
 * &#64;ApplicationScoped &#64;MessageType("shout")
 * public class ShoutHandler implements MessageHandler {
 *     public Reply handle(Request request) {
 *         return request.reply("shouted", Map.of("text", request.requiredString("text").toUpperCase()));
 *     }
 * }
 * </pre>
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * @return the reply to the sender, or {@code null} for none
     * @throws io.wshub.protocol.HubException to answer with an error frame
     */
    Reply handle(Request request);
}
