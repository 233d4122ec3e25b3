package io.wshub.it.app;

import jakarta.json.Json;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Test-only: the classes of the chunks of Grizzly's request under this very request, as a JSON array, with the method
 * and the query parameter {@code n} as Grizzly parsed them, and who its Grizzly request and packet are. A request
 * Grizzly took from its pool must have chunks of its own, never the shared one a WebSocket borrowed.
 */
@WebServlet("/test/own-chunks")
public class OwnChunksServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            var classes = Json.createArrayBuilder(GrizzlyChunks.ofRequest(request)).build();
            response.setContentType("application/json");
            response.getWriter().write(Json.createObjectBuilder()
                    .add("chunks", classes)
                    .add("ids", Json.createArrayBuilder(GrizzlyChunks.idsOfRequest(request)))
                    .add("method", request.getMethod())
                    .add("n", String.valueOf(request.getParameter("n")))
                    .build().toString());
        } catch (ReflectiveOperationException e) {
            response.sendError(500, e.toString());
        }
    }
}
