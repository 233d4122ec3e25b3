package io.wshub.routing;

import io.wshub.hub.Connection;
import io.wshub.hub.HandlerFailed;
import io.wshub.hub.Hub;
import io.wshub.hub.MessageReceived;
import io.wshub.limits.LimitsConfig;
import io.wshub.limits.RateLimiter;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/** Routes each decoded client message to the handler of its type and sends the reply or the error frame. */
@ApplicationScoped
public class Dispatcher {

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
    HubMetrics metrics;
    @Inject
    LimitsConfig limits;
    @Inject
    Event<MessageReceived> receivedEvent;
    @Inject
    Event<HandlerFailed> failedEvent;

    private Map<String, MessageHandler> handlers;

    @PostConstruct
    void resolveHandlers() {
        Map<String, MessageHandler> resolved = new HashMap<>();
        for (Map.Entry<String, Bean<?>> entry : extension.handlers().entrySet()) {
            Bean<?> bean = entry.getValue();
            resolved.put(entry.getKey(), (MessageHandler) beanManager.getReference(bean, MessageHandler.class,
                    beanManager.createCreationalContext(bean)));
        }
        handlers = Map.copyOf(resolved);
    }

    public Set<String> messageTypes() {
        return handlers.keySet();
    }

    public void dispatch(Connection client, Inbound inbound) {
        client.touch();
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
            return;
        }
        if (!inbound.isValid()) {
            metrics.messageReceived("invalid");
            fail(client, null, inbound.messageId(), inbound.error(), inbound.errorMessage(), null);
            return;
        }
        String type = inbound.type();
        if (client.loginDeadline() > 0 && !BEFORE_LOGIN.contains(type)) {
            fail(client, type, inbound.messageId(), ErrorCode.UNAUTHORIZED, "log in first (message type 'login')",
                    null);
            return;
        }
        MessageHandler handler = handlers.get(type);
        metrics.messageReceived(handler == null ? "unknown" : type);
        if (handler == null) {
            fail(client, type, inbound.messageId(), ErrorCode.UNKNOWN_MESSAGE_TYPE,
                    "unknown message_type '" + type + "'", null);
            return;
        }
        long start = System.nanoTime();
        try {
            receivedEvent.fire(new MessageReceived(client.id(), client.userId(), type, inbound.messageId(),
                    inbound.data()));
            Reply reply = handler.handle(new Request(client, inbound.messageId(), type, inbound.data()));
            if (reply != null) {
                client.send(hub.message(reply.type(), Json.toJson(reply.data()), inbound.messageId()));
            }
        } catch (HubException e) {
            fail(client, type, inbound.messageId(), e.code(), e.getMessage(), null);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "handler of '" + type + "' failed", e);
            fail(client, type, inbound.messageId(), ErrorCode.SERVER_ERROR, "internal error handling '" + type + "'",
                    e);
        } finally {
            metrics.handlerTime(type, System.nanoTime() - start);
        }
    }

    /** Sends an error frame that answers {@code requestId}, counts it and tells observers. */
    public void fail(Connection client, String type, Long requestId, ErrorCode code, String message,
                     Throwable cause) {
        hub.sendError(client, code, message, requestId);
        try {
            failedEvent.fire(new HandlerFailed(client.id(), type, requestId, code.code(), message, cause));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a HandlerFailed observer failed", e);
        }
    }
}
