package io.wshub.transport;

import io.wshub.protocol.Json;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** RFC 9457 problem responses for requests refused before a WebSocket upgrade. */
public final class Problems {

    private Problems() {
    }

    public static void send(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        StringBuilder body = new StringBuilder("{\"type\":\"about:blank\",\"title\":");
        Json.quote(body, title).append(",\"status\":").append(status).append(",\"detail\":");
        Json.quote(body, detail).append('}');
        response.getWriter().write(body.toString());
    }

    public static void unauthorized(HttpServletResponse response, String detail) throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        send(response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized", detail);
    }
}
