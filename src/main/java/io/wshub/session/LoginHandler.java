package io.wshub.session;

import io.wshub.auth.ClientIdentity;
import io.wshub.hub.Admission;
import io.wshub.hub.ClientLoggedIn;
import io.wshub.hub.Hub;
import jakarta.enterprise.event.Event;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.json.JsonString;

import java.util.concurrent.CompletionStage;

/**
 * In-band login (bingo's token login) for a client that connected without a token:
 * {@code login {token, platform?}} -> {@code logged_in {user_id, expires_at}}. An invalid token is 2003; a client
 * already authenticated as someone else is 2000. Answered once the directory has the new identity.
 */
@Dependent
@MessageType("login")
public class LoginHandler implements AsyncMessageHandler {

    private static final Logger LOG = Logger.getLogger(LoginHandler.class.getName());

    @Inject
    TokenLogin login;
    @Inject
    Admission admission;
    @Inject
    Hub hub;
    @Inject
    Event<ClientLoggedIn> loggedIn;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        ClientIdentity current = request.client().identity();
        String platform = request.data().get("platform") instanceof JsonString requested ? requested.getString()
                : current.platform();
        ClientIdentity identity = login.identity(request.requiredString("token"), platform);
        if (current.authenticated() && !current.userId().equals(identity.userId())) {
            throw new HubException(ErrorCode.UNAUTHORIZED, "already logged in as '" + current.userId() + "'");
        }
        String previous = current.userId();
        // over the per-user connection limit: answered with 4003 and closed, no reply
        return admission.changeIdentity(request.client(), identity).thenApply(changed -> {
            if (changed) {
                // sent here, not as the reply: what the login sets off (stored messages, say) comes after it
                request.client().send(hub.message("logged_in", Json.object().add("user_id", identity.userId())
                        .add("expires_at", identity.expiresAt()).build().toString(), request.messageId()));
                if (!previous.equals(identity.userId())) {
                    fire(new ClientLoggedIn(request.client().id(), identity.userId(), previous,
                            hub.config().nodeId()));
                }
            }
            return null;
        });
    }

    private void fire(ClientLoggedIn event) {
        try {
            loggedIn.fire(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a ClientLoggedIn observer failed", e);
        }
    }
}
