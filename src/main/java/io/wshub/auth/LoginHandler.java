package io.wshub.auth;

import io.wshub.hub.ClientIdentity;
import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonString;

/**
 * In-band login (bingo's token login) for a client that connected without a token:
 * {@code login {token, platform?}} -> {@code logged_in {user_id, expires_at}}. An invalid token is 2003; a client
 * already authenticated as someone else is 2000.
 */
@ApplicationScoped
@MessageType("login")
public class LoginHandler implements MessageHandler {

    @Inject
    TokenValidator tokens;
    @Inject
    AuthConfig config;
    @Inject
    Identities identities;
    @Inject
    Hub hub;

    @Override
    public Reply handle(Request request) {
        Identity token = validate(tokens, config, request.requiredString("token"));
        String platform = request.data().get("platform") instanceof JsonString requested ? requested.getString()
                : request.client().identity().platform();
        ClientIdentity current = request.client().identity();
        if (current.authenticated() && !current.userId().equals(token.userId())) {
            throw new HubException(ErrorCode.UNAUTHORIZED, "already logged in as '" + current.userId() + "'");
        }
        ClientIdentity identity = identities.of(token, platform);
        if (!hub.changeIdentity(request.client(), identity)) {
            return null;
        }
        return request.reply("logged_in", Json.object().add("user_id", identity.userId())
                .add("expires_at", identity.expiresAt()).build());
    }

    /** A validated identity for the token, or 2003. */
    static Identity validate(TokenValidator tokens, AuthConfig config, String token) {
        Identity identity = tokens.validate(token).map(principal -> Identity.of(principal, config)).orElse(null);
        if (identity == null || identity.notYetValid(config.clockSkewSeconds())) {
            throw new HubException(ErrorCode.INVALID_TOKEN, "the token is not valid");
        }
        return identity;
    }
}
