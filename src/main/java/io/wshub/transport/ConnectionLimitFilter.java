package io.wshub.transport;

import io.wshub.hub.Hub;
import io.wshub.limits.LimitsConfig;
import io.wshub.observability.HubMetrics;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Refuses a WebSocket upgrade (or an SSE stream) with HTTP 503 when the node is shutting down or holds
 * {@code wshub.limits.max-connections} connections.
 * Upgrades in flight at the same moment can pass together, so the limit can be exceeded by those few.
 */
@WebFilter(urlPatterns = {"/ws", "/ws/jsonrpc", "/ws/channels", "/sse"}, asyncSupported = true)
public class ConnectionLimitFilter extends HttpFilter {

    @Inject
    LimitsConfig limits;
    @Inject
    Hub hub;
    @Inject
    HubMetrics metrics;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!hub.isAccepting()) {
            response.setHeader("Retry-After", "5");
            Problems.send(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable",
                    "this node is shutting down; connect to another one");
            return;
        }
        int max = limits.maxConnections();
        if (max > 0 && hub.connectionCount() >= max) {
            metrics.limitReached("max-connections");
            response.setHeader("Retry-After", "5");
            Problems.send(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable",
                    "this node holds its maximum of " + max + " connections");
            return;
        }
        chain.doFilter(request, response);
    }
}
