package io.wshub.routing;

import io.wshub.cdi.Unproxied;
import io.wshub.hub.Connection;
import io.wshub.hub.Frame;
import io.wshub.hub.HandlerFailed;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.hub.MessageReceived;
import io.wshub.hub.Messenger;
import io.wshub.limits.LimitsConfig;
import io.wshub.limits.RateLimiter;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.ServerMessageTypes;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Routes each decoded client message to the handler of its type and sends the reply or the error frame.
 * <p>
 * Threading: a frame is handled on the thread that read it, unless the connection's previous request still waits for
 * an asynchronous answer; then it waits in the connection's {@link io.wshub.hub.RequestQueue} and runs on the thread
 * that completes that answer. Either way a connection's requests are handled one at a time, in order, and no thread
 * blocks.
 */
@ApplicationScoped
public class Dispatcher implements Unproxied<Dispatcher> {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());
    /** What a client that must still log in may send. */
    private static final Set<String> BEFORE_LOGIN = Set.of("login", "ping");

    @Inject
    MessageHandlerExtension extension;
    @Inject
    BeanManager beanManager;
    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    HubMetrics metrics;
    @Inject
    LimitsConfig limits;
    @Inject
    Event<MessageReceived> receivedEvent;
    @Inject
    Event<HandlerFailed> failedEvent;

    private Map<String, Object> handlers;
    private int maxMessageBytes;
    /** Firing an event nobody observes still costs; each is fired only when the application observes it. */
    private boolean receivedObserved;
    private boolean failedObserved;

    @PostConstruct
    void resolveHandlers() {
        hub = hub.direct().get();
        metrics = metrics.direct().get();
        limits = limits.direct().get();
        maxMessageBytes = config.maxMessageBytes();
        receivedObserved = !beanManager.resolveObserverMethods(new MessageReceived(null, null, null, null, null))
                .isEmpty();
        failedObserved = !beanManager.resolveObserverMethods(new HandlerFailed(null, null, null, 0, null, null))
                .isEmpty();
        Map<String, Object> resolved = new HashMap<>();
        for (Map.Entry<String, Bean<?>> entry : extension.handlers().entrySet()) {
            Bean<?> bean = entry.getValue();
            resolved.put(entry.getKey(), beanManager.getReference(bean, Object.class,
                    beanManager.createCreationalContext(bean)));
        }
        handlers = Map.copyOf(resolved);
    }

    public Set<String> messageTypes() {
        return handlers.keySet();
    }

    /** A frame from the client: handled now, or after the requests before it; dropped for a refused connection. */
    public void receive(Connection client, Inbound inbound) {
        client.touch();
        if (!client.requests().submit(() -> handle(client, inbound)) && client.isOpen() && client.isAdmitted()) {
            fail(client, inbound.type(), inbound.messageId(), ErrorCode.RATE_LIMITED,
                    "too many requests waiting for an answer; wait for the replies", null);
        }
    }

    private CompletionStage<?> handle(Connection client, Inbound inbound) {
        if (!client.isOpen()) {
            return null;
        }
        if (inbound.length() > maxMessageBytes) {
            fail(client, inbound.type(), inbound.messageId(), ErrorCode.MESSAGE_TOO_LARGE,
                    "frame of " + inbound.length() + " bytes exceeds the limit of " + maxMessageBytes + " bytes",
                    null);
            client.closeAfterFlush(CloseReason.CloseCodes.TOO_BIG.getCode(), "message too big");
            return null;
        }
        // Client-chosen type names would grow the rate tables without bound: unknown types share one bucket.
        String rateKey = !inbound.isValid() ? "invalid" : handlers.containsKey(inbound.type()) ? inbound.type()
                : "unknown";
        RateLimiter.Verdict verdict = client.rateLimiter().take(rateKey, limits.rate(rateKey), System.nanoTime());
        if (verdict != RateLimiter.Verdict.ALLOWED) {
            metrics.limitReached("rate");
            fail(client, inbound.type(), inbound.messageId(), ErrorCode.RATE_LIMITED,
                    "rate limit of " + limits.rate(rateKey) + " '" + rateKey + "' messages per second exceeded", null);
            if (verdict == RateLimiter.Verdict.ABUSIVE) {
                client.closeAfterFlush(CloseReason.CloseCodes.VIOLATED_POLICY.getCode(), "rate limit exceeded");
            }
            return null;
        }
        if (!inbound.isValid()) {
            metrics.messageReceived("invalid");
            fail(client, null, inbound.messageId(), inbound.error(), inbound.errorMessage(), null);
            return null;
        }
        String type = inbound.type();
        if (client.loginDeadline() > 0 && !BEFORE_LOGIN.contains(type)) {
            fail(client, type, inbound.messageId(), ErrorCode.UNAUTHORIZED, "log in first (message type 'login')",
                    null);
            return null;
        }
        Object handler = handlers.get(type);
        metrics.messageReceived(handler == null ? "unknown" : type);
        if (handler == null) {
            fail(client, type, inbound.messageId(), ErrorCode.UNKNOWN_MESSAGE_TYPE,
                    "unknown message_type '" + type + "'", null);
            return null;
        }
        long start = System.nanoTime();
        Long requestId = inbound.messageId();
        try {
            if (receivedObserved) {
                receivedEvent.fire(new MessageReceived(client.id(), client.userId(), type, requestId, inbound.data()));
            }
            Request request = new Request(client, requestId, type, inbound.data());
            if (handler instanceof AsyncMessageHandler async) {
                CompletionStage<Reply> answer = async.handle(request);
                return answer.handle((reply, failure) -> {
                    metrics.handlerTime(type, System.nanoTime() - start);
                    if (failure != null) {
                        failed(client, type, requestId, Messenger.unwrap(failure));
                    } else {
                        reply(client, type, requestId, reply);
                    }
                    return null;
                });
            }
            reply(client, type, requestId, ((MessageHandler) handler).handle(request));
        } catch (RuntimeException e) {
            failed(client, type, requestId, e);
        }
        metrics.handlerTime(type, System.nanoTime() - start);
        return null;
    }

    private void reply(Connection client, String type, Long requestId, Reply reply) {
        if (reply == null) {
            if (requestId != null && client.codec().answersEveryRequest()) {
                client.send(hub.message(ServerMessageTypes.DONE, "{}", requestId));
            }
            return;
        }
        try {
            client.send(hub.message(reply.type(), Json.toJson(reply.data()), requestId));
        } catch (Frame.UnencodableException e) {
            failed(client, type, requestId, new IllegalStateException("the reply '" + reply.type()
                    + "' cannot be sent: " + e.getMessage(), e));
        }
    }

    private void failed(Connection client, String type, Long requestId, Throwable failure) {
        if (failure instanceof HubException refusal) {
            fail(client, type, requestId, refusal.code(), refusal.getMessage(), null);
        } else {
            LOG.log(Level.WARNING, "handler of '" + type + "' failed", failure);
            fail(client, type, requestId, ErrorCode.SERVER_ERROR, "internal error handling '" + type + "'", failure);
        }
    }

    /** Sends an error frame that answers {@code requestId}, counts it and tells observers. */
    public void fail(Connection client, String type, Long requestId, ErrorCode code, String message,
                     Throwable cause) {
        hub.sendError(client, code, message, requestId);
        if (!failedObserved) {
            return;
        }
        try {
            failedEvent.fire(new HandlerFailed(client.id(), type, requestId, code.code(), message, cause));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a HandlerFailed observer failed", e);
        }
    }
}
