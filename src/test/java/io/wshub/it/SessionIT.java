package io.wshub.it;

import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;

import static io.wshub.it.TestData.data;
import static io.wshub.it.TestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Token lifetime on a live connection: in-band login within the login timeout, refresh before expiry, close at
 * expiry, and one session per (user, platform).
 */
@ExtendWith(ArquillianExtension.class)
class SessionIT extends DeployedHub {

    static final TestTokens TOKENS = new TestTokens(Path.of("target", "session-it"));

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.hub("session", TOKENS.mpJwtConfig() + """
                wshub.auth.required=true
                wshub.auth.login-timeout=2
                wshub.session.single-per-platform=true
                """);
    }

    static String expiringIn(String user, long seconds) {
        long now = System.currentTimeMillis() / 1000;
        return TOKENS.rs256(TestTokens.claims(user).add("exp", now + seconds).build());
    }

    @Test
    void clientWithoutTokenLogsInInBandAndBecomesThatUser() throws Exception {
        String user = unique("late");
        try (WsClient client = WsClient.connect(ws()); WsClient friend = WsClient.connectWithHeader(ws(),
                TOKENS.valid(unique("friend")))) {
            assertTrue(client.userId.startsWith("guest-"));
            client.callError("echo", data(), 2000);
            client.call("ping", data(), "pong");
            client.callError("login", data("token", "garbage"), 2003);
            JsonObject loggedIn = client.call("login", data("token", TOKENS.valid(user), "platform", "web"),
                    "logged_in").getJsonObject("data");
            assertEquals(user, loggedIn.getString("user_id"));
            assertTrue(loggedIn.getJsonNumber("expires_at").longValue() > System.currentTimeMillis());
            client.call("echo", data(), "echo");
            friend.request("direct_message", data("target_id", user, "content", "found you"));
            assertEquals("found you", client.expect("direct_message").getJsonObject("data").getString("content"));
            Thread.sleep(2500);
            client.call("ping", data(), "pong");
            assertFalse(client.isClosed(), "a logged-in client outlives the login timeout");
        }
    }

    @Test
    void clientThatDoesNotLogInIsClosedAfterTheLoginTimeout() {
        try (WsClient client = WsClient.connect(ws())) {
            client.expectError(2000);
            assertEquals(4001, client.awaitClose(10_000));
            assertEquals("login required", client.closeReason());
        }
    }

    @Test
    void refreshBeforeExpiryKeepsTheConnection() throws Exception {
        String user = unique("refresher");
        try (WsClient client = WsClient.connectWithHeader(ws(), expiringIn(user, 3))) {
            client.callError("refresh_token", data("token", TOKENS.valid(unique("someone-else"))), 2003);
            JsonObject refreshed = client.call("refresh_token", data("token", expiringIn(user, 600)),
                    "token_refreshed").getJsonObject("data");
            assertEquals(user, refreshed.getString("user_id"));
            Thread.sleep(4500);
            client.call("ping", data(), "pong");
            assertFalse(client.isClosed());
        }
    }

    @Test
    void expiredTokenGets2002AndClose4001() {
        try (WsClient client = WsClient.connectWithHeader(ws(), expiringIn(unique("expiring"), 2))) {
            client.expectError(2002);
            assertEquals(4001, client.awaitClose(10_000));
            assertEquals("token expired", client.closeReason());
        }
    }

    @Test
    void newSessionOnTheSamePlatformReplacesTheOld() {
        String user = unique("one-phone");
        try (WsClient oldPhone = WsClient.connectWithHeader(ws("?platform=ios"), TOKENS.valid(user));
             WsClient laptop = WsClient.connectWithHeader(ws("?platform=web"), TOKENS.valid(user));
             WsClient newPhone = WsClient.connectWithHeader(ws("?platform=ios"), TOKENS.valid(user))) {
            JsonObject kicked = oldPhone.expect("session_kicked");
            assertTrue(kicked.getJsonObject("data").getString("reason").contains("ios"), kicked.toString());
            assertEquals(4000, oldPhone.awaitClose(10_000));
            assertEquals("session replaced", oldPhone.closeReason());
            laptop.call("ping", data(), "pong");
            newPhone.call("ping", data(), "pong");
            assertFalse(laptop.isClosed() || newPhone.isClosed());
        }
    }

    @Test
    void platformFromTheTokenClaimCountsToo() {
        String user = unique("claimed");
        String token = TOKENS.rs256(TestTokens.claims(user).add("platform", "android").build());
        try (WsClient first = WsClient.connectWithHeader(ws(), token);
             WsClient second = WsClient.connectWithHeader(ws("?platform=ios"), token)) {
            first.expect("session_kicked");
            assertEquals(4000, first.awaitClose(10_000));
            second.call("ping", data(), "pong");
        }
    }

    @Test
    void unknownPlatformIsRefused() {
        try (WsClient client = WsClient.open(ws("?platform=toaster"), java.util.Map.of(
                "Authorization", "Bearer " + TOKENS.valid(unique("toaster"))))) {
            client.expectError(1001); // refused at open: no connected frame, no anonymous fallback
            assertEquals(1008, client.awaitClose(10_000));
            assertEquals("invalid platform", client.closeReason());
            client.expectNothing(0);
        }
    }
}
