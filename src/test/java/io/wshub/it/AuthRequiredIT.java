package io.wshub.it;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code wshub.auth.required=true} with {@code ?token=} left off (the default), a custom user claim, and ES256 (EC)
 * keys instead of RSA.
 */
@ExtendWith(ArquillianExtension.class)
class AuthRequiredIT extends DeployedHub {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "auth-required-it"), true);

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("required", TOKENS.mpJwtConfig() + """
                wshub.auth.required=true
                wshub.auth.user-claim=user_id
                wshub.allow-query-client-id=true
                """);
    }

    @Test
    void connectionWithoutTokenIsRefusedWith401AndAProblem() throws Exception {
        assertEquals(401, WsClient.refusal(ws(), b -> b));
        assertEquals(401, WsClient.refusal(ws("?client_id=alice"), b -> b));
        HttpResponse<String> response = WsClient.HTTP.send(HttpRequest.newBuilder(base.resolve("ws")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                response.headers().toString());
        assertTrue(response.body().contains("\"status\":401"), response.body());
        assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    }

    @Test
    void queryTokenIsIgnoredUnlessEnabled() {
        String token = TOKENS.rs256(TestTokens.claims("s").add("user_id", "u1").build());
        assertEquals(401, WsClient.refusal(ws("?token=" + token), b -> b));
    }

    @Test
    void userIdComesFromTheConfiguredClaim() {
        String user = unique("gohub-user");
        String token = TOKENS.rs256(TestTokens.claims("subject-is-not-used").add("user_id", user).build());
        try (WsClient client = WsClient.connectWithHeader(ws(), token)) {
            assertEquals(user, client.userId);
        }
        try (WsClient client = WsClient.connectWithSubprotocol(ws(), token)) {
            assertEquals(user, client.userId);
        }
    }

    @Test
    void tokenWithoutTheUserClaimIsRefused() {
        assertEquals(401, WsClient.refusal(ws(), b -> b.header("Authorization", "Bearer " + TOKENS.valid("x"))));
    }
}
