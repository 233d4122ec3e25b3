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
    TokenLogin login;
    @Inject
    Hub hub;

    @Override
    public Reply handle(Request request) {
        ClientIdentity current = request.client().identity();
        String platform = request.data().get("platform") instanceof JsonString requested ? requested.getString()
                : current.platform();
        ClientIdentity identity = login.identity(request.requiredString("token"), platform);
        if (current.authenticated() && !current.userId().equals(identity.userId())) {
            throw new HubException(ErrorCode.UNAUTHORIZED, "already logged in as '" + current.userId() + "'");
        }
        if (!hub.changeIdentity(request.client(), identity)) {
            return null; // over the per-user connection limit: answered with 4003 and closed
        }
        return request.reply("logged_in", Json.object().add("user_id", identity.userId())
                .add("expires_at", identity.expiresAt()).build());
    }
}
