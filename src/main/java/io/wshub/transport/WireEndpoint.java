package io.wshub.transport;

import io.wshub.auth.AuthConfig;
import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Identities;
import io.wshub.auth.Identity;
import io.wshub.hub.Admission;
import io.wshub.hub.Connection;
import io.wshub.hub.HubConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.WireCodec;
import io.wshub.routing.Dispatcher;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The WebSocket boundary, whatever the wire format: identifies the client, hands it to {@link Admission}, and hands
 * every request its codec decodes to the {@link Dispatcher}. Each format is a {@code @ServerEndpoint} subclass that
 * only names its path and codec, so that tokens, limits, {@code connected} and metrics are the same on each. One plain
 * instance per connection, made by {@link EndpointConfigurator}.
 */
public abstract class WireEndpoint {

    private static final Logger LOG = Logger.getLogger(WireEndpoint.class.getName());
    /** Selected when a browser sends its token as {@code Sec-WebSocket-Protocol: bearer, <jwt>}. */
    static final String BEARER = "bearer";
    /** Frames up to this multiple of the limit are read and answered; larger ones the container refuses unread. */
    private static final int CONTAINER_LIMIT_FACTOR = 4;

    private final Admission admission;
    private final HubConfig config;
    private final Dispatcher dispatcher;
    private final TyrusIdleTimerFix tyrusFix;
    private final TyrusRawFrames rawFrames;
    private final GrizzlyDirectWrites directWrites;
    private final UpgradeRequestTrim requestTrim;
    private final InPlaceReads inPlaceReads;
    private final GrizzlyDirectReads directReads;
    private final LingeringClose lingeringClose;
    private final AuthConfig authConfig;
    private final Identities identities;

    private final HubMetrics metrics;
    private final String protocol;
    private final WireCodec codec;
    private final Consumer<Inbound> toDispatcher = this::dispatch;
    private Connection connection;

    /** {@code protocol} names the wire format in metrics. */
    WireEndpoint(EndpointServices services, String protocol) {
        this.admission = services.admission;
        this.config = services.config;
        this.dispatcher = services.dispatcher.direct().get();
        this.tyrusFix = services.tyrusFix;
        this.rawFrames = services.rawFrames;
        this.directWrites = services.directWrites;
        this.requestTrim = services.requestTrim;
        this.inPlaceReads = services.inPlaceReads;
        this.directReads = services.directReads;
        this.lingeringClose = services.lingeringClose;
        this.authConfig = services.authConfig;
        this.identities = services.identities;
        this.metrics = services.metrics;
        this.protocol = protocol;
        this.codec = codec(config.maxMessageBytes());
    }

    /** This connection's codec (one per connection where the format keeps request ids). */
    protected abstract WireCodec codec(int maxMessageBytes);

    @OnOpen
    public void open(Session session) {
        SessionOutlet outlet = new SessionOutlet(session, directWrites.senderFor(session),
                rawFrames.senderFor(session), lingeringClose);
        metrics.connectionOpened(protocol);
        try {
            identifyAndAdmit(session, outlet);
        } finally {
            outlet.opened();
            // Last: a frame that a selector reads before Tyrus ends the open waits there for it (InPlaceReads). A
            // session refused at the open is closed by now: the container is letting its objects go, leave them be.
            // Direct reads only where reads run in place, one at a time (GrizzlyDirectReads).
            if (session.isOpen() && inPlaceReads.apply(session)) {
                directReads.apply(session);
            }
        }
    }

    private void identifyAndAdmit(Session session, SessionOutlet outlet) {
        tyrusFix.apply(session);
        requestTrim.apply(session);
        session.setMaxIdleTimeout(0);
        int limit = config.maxMessageBytes();
        session.setMaxTextMessageBufferSize((int) Math.min(Integer.MAX_VALUE, (long) limit * CONTAINER_LIMIT_FACTOR));
        session.setMaxBinaryMessageBufferSize(limit);
        int policy = CloseReason.CloseCodes.VIOLATED_POLICY.getCode();

        // The upgrade filter has refused every invalid token, so a principal here is a validated JWT.
        Identity token = Identity.of(session.getUserPrincipal(), authConfig);
        String chosenId = token == null && config.allowQueryClientId() ? firstParameter(session, "client_id") : null;
        if (chosenId != null && !Identities.isValidChosenId(chosenId)) {
            connection = admission.refuseUnidentified(outlet, codec, ErrorCode.INVALID_FORMAT,
                    "client_id must be 1-128 characters of A-Z a-z 0-9 _ . : @ -", policy, "invalid client_id");
            return;
        }
        ClientIdentity identity;
        try {
            String platform = firstParameter(session, "platform");
            identity = token != null ? identities.of(token, platform) : identities.anonymous(chosenId, platform);
        } catch (HubException invalidPlatform) {
            connection = admission.refuseUnidentified(outlet, codec, ErrorCode.INVALID_FORMAT,
                    invalidPlatform.getMessage(), policy, "invalid platform");
            return;
        }
        // Only possible with wshub.auth.login-timeout set: the filter lets tokenless clients in to log in.
        long loginDeadline = token == null && authConfig.required()
                ? System.currentTimeMillis() + authConfig.loginTimeoutSeconds() * 1000 : 0;
        connection = admission.open(identity, outlet, codec, loginDeadline);
    }

    /** Decoded here with the connection's codec: a declared Decoder would be a CDI instance per session. */
    @OnMessage
    public void text(String frame) {
        codec.decode(frame, toDispatcher);
    }

    private void dispatch(Inbound request) {
        dispatcher.receive(connection, request);
    }

    @OnMessage
    public void binary(ByteBuffer frame) {
        dispatcher.receive(connection, Inbound.malformed(null, ErrorCode.INVALID_FORMAT,
                "binary frames are not supported: send JSON text frames", frame.remaining()));
    }

    @OnMessage
    public void pong(PongMessage pong) {
        connection.touch();
    }

    @OnClose
    public void close(CloseReason reason) {
        if (connection != null) {
            connection.transportClosed(reason.getCloseCode().getCode(), reason.getReasonPhrase());
        }
    }

    @OnError
    public void error(Session session, Throwable failure) {
        if (failure instanceof java.io.IOException) {
            LOG.log(Level.FINE, "WebSocket I/O error", failure); // the peer went: @OnClose follows
        } else {
            LOG.log(Level.WARNING, "WebSocket endpoint failure", failure);
        }
        if (connection == null) {
            // failed before the connection existed: the client must not hang on an open, silent socket
            try {
                session.close(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "server error"));
            } catch (java.io.IOException | RuntimeException e) {
                LOG.log(Level.FINE, "closing after a failure failed", e);
            }
        } else if (!session.isOpen()) {
            connection.transportClosed(CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode(),
                    String.valueOf(failure.getMessage()));
        }
    }

    private static String firstParameter(Session session, String name) {
        List<String> values = session.getRequestParameterMap().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
