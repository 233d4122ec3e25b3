package io.wshub.transport;

import io.wshub.auth.AuthConfig;
import io.wshub.auth.Identity;
import io.wshub.auth.Identities;
import io.wshub.hub.ClientIdentity;
import io.wshub.protocol.HubException;
import io.wshub.hub.Connection;
import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.gohub.GoHubCodec;
import io.wshub.protocol.gohub.GoHubDecoder;
import io.wshub.routing.Dispatcher;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The WebSocket boundary: identifies the client, enforces frame limits and hands decoded messages to the
 * {@link Dispatcher}. One instance per connection.
 */
@ServerEndpoint(value = "/ws", decoders = GoHubDecoder.class, subprotocols = HubEndpoint.BEARER)
public class HubEndpoint {

    private static final Logger LOG = Logger.getLogger(HubEndpoint.class.getName());
    /** Selected when a browser sends its token as {@code Sec-WebSocket-Protocol: bearer, <jwt>}. */
    static final String BEARER = "bearer";
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_.:@-]{1,128}");
    /** Frames up to this multiple of the limit are read and answered; larger ones the container refuses unread. */
    private static final int CONTAINER_LIMIT_FACTOR = 4;

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    Dispatcher dispatcher;
    @Inject
    TyrusIdleTimerFix tyrusFix;
    @Inject
    AuthConfig authConfig;
    @Inject
    Identities identities;

    private Connection connection;

    @OnOpen
    public void open(Session session) {
        tyrusFix.apply(session);
        session.setMaxIdleTimeout(0);
        int limit = config.maxMessageBytes();
        session.setMaxTextMessageBufferSize((int) Math.min(Integer.MAX_VALUE, (long) limit * CONTAINER_LIMIT_FACTOR));
        session.setMaxBinaryMessageBufferSize(limit);

        // The upgrade filter has refused every invalid token, so a principal here is a validated JWT.
        Identity token = Identity.of(session.getUserPrincipal(), authConfig);
        String requested = token == null && config.allowQueryClientId() ? firstParameter(session, "client_id") : null;
        String refusal = requested != null && !CLIENT_ID.matcher(requested).matches()
                ? "client_id must be 1-128 characters of A-Z a-z 0-9 _ . : @ -" : null;
        String closeReason = "invalid client_id";
        String userId = requested != null && refusal == null ? requested : Hub.newGuestId();
        ClientIdentity identity;
        try {
            String platform = firstParameter(session, "platform");
            identity = token != null ? identities.of(token, platform) : identities.anonymous(userId, platform);
        } catch (HubException invalidPlatform) {
            refusal = invalidPlatform.getMessage();
            closeReason = "invalid platform";
            identity = identities.anonymous(Hub.newGuestId(), null);
        }
        connection = hub.open(session, identity, GoHubCodec.INSTANCE);
        if (refusal != null) {
            hub.refuse(connection, ErrorCode.INVALID_FORMAT, refusal, CloseReason.CloseCodes.VIOLATED_POLICY.getCode(),
                    closeReason);
        } else if (token == null && authConfig.required()) {
            // Only possible with wshub.auth.login-timeout set: the filter lets such clients in to log in.
            hub.awaitLogin(connection, System.currentTimeMillis() + authConfig.loginTimeoutSeconds() * 1000);
        }
    }

    @OnMessage
    public void text(Inbound inbound) {
        if (inbound.length() > config.maxMessageBytes()) {
            connection.touch();
            dispatcher.fail(connection, inbound.type(), inbound.messageId(), ErrorCode.MESSAGE_TOO_LARGE,
                    "frame of " + inbound.length() + " bytes exceeds the limit of " + config.maxMessageBytes()
                            + " bytes", null);
            connection.closeAfterFlush(CloseReason.CloseCodes.TOO_BIG.getCode(), "message too big");
            return;
        }
        dispatcher.dispatch(connection, inbound);
    }

    @OnMessage
    public void binary(ByteBuffer frame) {
        connection.touch();
        dispatcher.fail(connection, null, null, ErrorCode.INVALID_FORMAT,
                "binary frames are not supported: send JSON text frames", null);
    }

    @OnMessage
    public void pong(PongMessage pong) {
        connection.touch();
    }

    @OnClose
    public void close(CloseReason reason) {
        if (connection != null) {
            connection.sessionClosed(reason);
        }
    }

    @OnError
    public void error(Session session, Throwable failure) {
        LOG.log(Level.FINE, "WebSocket error", failure);
        if (connection != null && !session.isOpen()) {
            connection.sessionClosed(new CloseReason(CloseReason.CloseCodes.CLOSED_ABNORMALLY,
                    String.valueOf(failure.getMessage())));
        }
    }

    private static String firstParameter(Session session, String name) {
        List<String> values = session.getRequestParameterMap().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
