package io.wshub.transport;

import io.wshub.auth.AuthConfig;
import io.wshub.auth.Identities;
import io.wshub.auth.Identity;
import io.wshub.auth.TokenValidator;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.security.Principal;
import java.util.Optional;

/**
 * Authenticates the WebSocket upgrade before the container upgrades it, and an SSE stream ({@code /sse}) before it
 * opens. Token sources, in order:
 * {@code Authorization: Bearer} (validated by the container's MP-JWT mechanism before this filter runs; one it
 * rejected arrives here anonymous and is checked again), the header {@code token} (go-ws and bingo clients),
 * {@code Sec-WebSocket-Protocol: bearer, <jwt>} (browsers cannot set headers; the endpoint then selects
 * {@code bearer}), and {@code ?token=} when {@code wshub.auth.query-token=true}. A token that does not validate, or
 * no token when {@code wshub.auth.required=true}, is answered with HTTP 401 and no upgrade.
 */
@WebFilter(urlPatterns = {"/ws", "/ws/jsonrpc", "/ws/channels", "/sse"}, asyncSupported = true)
public class UpgradeAuthFilter extends HttpFilter {

    @Inject
    AuthConfig config;
    @Inject
    TokenValidator tokens;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Principal principal = request.getUserPrincipal();
        HttpServletRequest forwarded = request;
        if (principal == null) {
            // The container leaves a request whose header token failed validation anonymous: refuse it here.
            String token = tokenFromHeader(request);
            if (token == null) {
                token = request.getHeader("token");
            }
            if (token == null) {
                token = tokenFromSubprotocol(request);
            }
            if (token == null && config.queryToken()) {
                token = request.getParameter("token");
            }
            if (token != null) {
                Optional<Principal> validated = tokens.validate(token);
                if (validated.isEmpty()) {
                    Problems.unauthorized(response, "the bearer token is not valid");
                    return;
                }
                principal = validated.get();
                forwarded = new AuthenticatedRequest(request, principal);
            }
        }
        if (principal == null) {
            if (config.required() && config.loginTimeoutSeconds() <= 0) {
                Problems.unauthorized(response, "a bearer token is required");
                return;
            }
            chain.doFilter(forwarded, response);
            return;
        }
        Identity identity = Identity.of(principal, config);
        if (identity == null) {
            Problems.unauthorized(response, "the token has no '" + config.userClaim() + "' claim");
            return;
        }
        if (Identities.isGuestId(identity.userId())) {
            Problems.unauthorized(response, "the user id '" + identity.userId() + "' is in the namespace of "
                    + "anonymous clients ('" + Identities.GUEST_PREFIX + "...'); no token may claim it");
            return;
        }
        if (identity.notYetValid(config.clockSkewSeconds())) {
            Problems.unauthorized(response, "the token is not valid yet (nbf)");
            return;
        }
        chain.doFilter(forwarded, response);
    }

    /** The token of {@code Authorization: Bearer <jwt>}, or null. */
    static String tokenFromHeader(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }

    /** The token of {@code Sec-WebSocket-Protocol: bearer, <jwt>}, or null. */
    static String tokenFromSubprotocol(HttpServletRequest request) {
        String header = request.getHeader("Sec-WebSocket-Protocol");
        if (header == null) {
            return null;
        }
        String[] protocols = header.split(",");
        for (int i = 0; i + 1 < protocols.length; i++) {
            if (protocols[i].trim().equals("bearer")) {
                return protocols[i + 1].trim();
            }
        }
        return null;
    }

    /** The upgrade request as the container sees it once the token is validated. */
    private static final class AuthenticatedRequest extends HttpServletRequestWrapper {
        private final Principal principal;

        AuthenticatedRequest(HttpServletRequest request, Principal principal) {
            super(request);
            this.principal = principal;
        }

        @Override
        public Principal getUserPrincipal() {
            return principal;
        }

        @Override
        public String getAuthType() {
            return "MP-JWT";
        }
    }
}
