package io.wshub.transport.sse;

import io.wshub.auth.AuthConfig;
import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Identities;
import io.wshub.auth.Identity;
import io.wshub.hub.Admission;
import io.wshub.observability.HubMetrics;
import io.wshub.hub.Connection;
import io.wshub.hub.HubConfig;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.sse.SseCodec;
import io.wshub.routing.Dispatcher;
import io.wshub.transport.Problems;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The Server-Sent Events boundary: {@code GET /sse?room=a&room=b} opens a stream that is a hub connection like a
 * WebSocket one (admitted, counted, listed, kicked, shut down the same way), written by an {@link SseOutlet} in the
 * {@link SseCodec} format. The stream joins its rooms with {@code join_room} requests of its own, through the
 * dispatcher, so permissions, limits and errors are those of WebSocket clients; the n-th {@code room} parameter's
 * request has {@code message_id} n (the {@code request_id} of its error event). With a {@code Last-Event-ID} (or
 * {@code ?last_event_id=}) each room of the cursor is joined with {@code recover}.
 * <p>
 * The upgrade filters cover {@code /sse} too: tokens ({@code Authorization: Bearer}, {@code ?token=} when
 * {@code wshub.auth.query-token=true}) and the node's connection limit are checked before this servlet runs.
 */
@WebServlet(urlPatterns = "/sse", asyncSupported = true)
public class SseServlet extends HttpServlet {

    /** The epoch asked for when the client's cursor is not one of ours: no room's, so no room recovers. */
    static final String UNREADABLE_CURSOR = "-";

    @Inject
    Admission admission;
    @Inject
    Dispatcher dispatcher;
    @Inject
    AuthConfig authConfig;
    @Inject
    Identities identities;
    @Inject
    HubConfig config;
    @Inject
    HubMetrics metrics;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // The upgrade filter has refused every invalid token, so a principal here is a validated JWT.
        Identity token = Identity.of(request.getUserPrincipal(), authConfig);
        if (token == null && authConfig.required()) {
            // an SSE client cannot log in later: the login timeout does not apply
            Problems.unauthorized(response, "a bearer token is required");
            return;
        }
        ClientIdentity identity;
        try {
            identity = identify(request, token);
        } catch (HubException invalid) {
            Problems.send(response, HttpServletResponse.SC_BAD_REQUEST, "Bad Request", invalid.getMessage());
            return;
        }
        List<String> rooms = rooms(request);
        String lastEventId = Optional.ofNullable(request.getHeader("Last-Event-ID"))
                .orElse(request.getParameter("last_event_id"));
        Optional<SseCursor> resumed = lastEventId == null || lastEventId.isBlank() ? Optional.empty()
                : SseCursor.parse(lastEventId);
        boolean unreadable = lastEventId != null && !lastEventId.isBlank() && resumed.isEmpty();
        SseCursor cursor = resumed.orElseGet(SseCursor::new).keepOnly(rooms);

        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no"); // nginx: pass events on at once
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        ServletOutputStream out = response.getOutputStream();
        SseOutlet outlet = new SseOutlet(async, out, cursor);
        async.addListener(outlet);
        out.setWriteListener(outlet); // non-blocking from here on, before anything is written
        metrics.connectionOpened("sse");
        Connection connection = admission.open(identity, outlet, SseCodec.INSTANCE, 0);
        outlet.attach(connection);
        for (int i = 0; i < rooms.size(); i++) {
            String room = rooms.get(i);
            JsonObject join = joinRequest(room, unreadable ? Optional.of(new SseCursor.Mark(0, UNREADABLE_CURSOR))
                    : cursor.mark(room));
            // held until the connection is admitted, then handled in order, after connected
            dispatcher.receive(connection, Inbound.valid((long) i + 1, "join_room", join, 0));
        }
    }

    private ClientIdentity identify(HttpServletRequest request, Identity token) {
        String platform = request.getParameter("platform");
        if (token != null) {
            return identities.of(token, platform);
        }
        String chosenId = config.allowQueryClientId() ? request.getParameter("client_id") : null;
        if (chosenId != null && !Identities.isValidChosenId(chosenId)) {
            throw new HubException(ErrorCode.INVALID_FORMAT,
                    "client_id must be 1-128 characters of A-Z a-z 0-9 _ . : @ -");
        }
        return identities.anonymous(chosenId, platform);
    }

    /** The {@code room} parameters, each once, in order. */
    private static List<String> rooms(HttpServletRequest request) {
        String[] values = request.getParameterValues("room");
        return values == null ? List.of() : Arrays.stream(values).distinct().toList();
    }

    private static JsonObject joinRequest(String room, Optional<SseCursor.Mark> mark) {
        var join = Json.object().add("room_id", room);
        mark.ifPresent(at -> join.add("recover", Json.object().add("offset", at.offset()).add("epoch", at.epoch())));
        return join.build();
    }
}
