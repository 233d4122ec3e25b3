package io.wshub.session;

import io.wshub.auth.ClientIdentity;
import io.wshub.hub.Admission;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.AsyncMessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionStage;

/**
 * {@code refresh_token {token}} -> {@code token_refreshed {user_id, expires_at}}: a new token for the same user keeps
 * the connection past the old token's expiry. Another user's token, or an invalid one, is 2003.
 */
@Dependent
@MessageType("refresh_token")
public class RefreshTokenHandler implements AsyncMessageHandler {

    @Inject
    TokenLogin login;
    @Inject
    Admission admission;

    @Override
    public CompletionStage<Reply> handle(Request request) {
        ClientIdentity current = request.client().identity();
        if (!current.authenticated()) {
            throw new HubException(ErrorCode.UNAUTHORIZED, "not logged in: send 'login' first");
        }
        ClientIdentity refreshed = login.identity(request.requiredString("token"), current.platform());
        if (!refreshed.userId().equals(current.userId())) {
            throw new HubException(ErrorCode.INVALID_TOKEN, "the new token is for another user");
        }
        return admission.changeIdentity(request.client(), refreshed).thenApply(changed -> changed
                ? request.reply("token_refreshed", Json.object().add("user_id", refreshed.userId())
                        .add("expires_at", refreshed.expiresAt()).build())
                : null);
    }
}
