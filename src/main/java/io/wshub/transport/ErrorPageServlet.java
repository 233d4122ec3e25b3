package io.wshub.transport;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Renders the container's own error responses (web.xml error pages) as RFC 9457 problems instead of HTML: e.g. the
 * 401 that Payara's MP-JWT mechanism answers to an invalid {@code Authorization} header.
 */
@WebServlet("/error-page")
public class ErrorPageServlet extends HttpServlet {

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value ? value : response.getStatus();
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        String detail = status == HttpServletResponse.SC_UNAUTHORIZED ? "the bearer token is not valid"
                : message instanceof String text && !text.isBlank() ? text : "request refused";
        if (status == HttpServletResponse.SC_UNAUTHORIZED) {
            Problems.unauthorized(response, detail);
        } else {
            Problems.send(response, status, title(status), detail);
        }
    }

    private static String title(int status) {
        return switch (status) {
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            default -> status >= 500 ? "Internal Server Error" : "Bad Request";
        };
    }
}
