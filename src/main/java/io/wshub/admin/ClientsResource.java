package io.wshub.admin;

import io.wshub.hub.Connection;
import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Connections: list, look up, kick, message. */
@RequestScoped
@Path("clients")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ClientsResource {

    /** Close code a client sees when an admin kicks it; the close reason is the admin's. */
    public static final int KICK_CLOSE_CODE = 4002;
    static final int MAX_PAGE_SIZE = 500;

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    AdminRequests requests;

    @GET
    @Operation(summary = "Connections of this node, optionally of one user or room; pages start at 1")
    public Views.Page<Views.Client> list(@QueryParam("user") String user, @QueryParam("room") String room,
                                         @QueryParam("page") @DefaultValue("1") int page,
                                         @QueryParam("size") @DefaultValue("50") int size) {
        if (page < 1 || size < 1 || size > MAX_PAGE_SIZE) {
            throw AdminRequests.invalid("page must be >= 1 and size between 1 and " + MAX_PAGE_SIZE);
        }
        Stream<Connection> selected = user != null ? hub.connectionsOf(user).stream()
                : room != null ? rooms.find(room).map(r -> r.members().stream()).orElse(Stream.empty())
                : hub.connections().stream();
        if (user != null && room != null) {
            selected = selected.filter(connection -> rooms.isMember(connection, room));
        }
        List<Connection> all = selected.sorted(Comparator.comparing(Connection::id)).toList();
        List<Views.Client> items = all.stream().skip((long) (page - 1) * size).limit(size)
                .map(connection -> ViewOf.client(connection, rooms)).toList();
        return new Views.Page<>(items, page, size, all.size());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One connection")
    public Views.Client get(@PathParam("id") String id) {
        return ViewOf.client(find(id), rooms);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Kick a connection: it is closed with code 4002 and the given reason")
    public Response kick(@PathParam("id") String id, @QueryParam("reason") String reason) {
        Connection connection = find(id);
        connection.close(KICK_CLOSE_CODE, requests.reason(reason));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/messages")
    @Operation(summary = "Send a message of any type to one connection")
    public Response send(@PathParam("id") String id, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        Connection connection = find(id);
        int delivered = connection.send(hub.message(push.messageType(), push.dataJson(), null)) ? 1 : 0;
        return Response.accepted(new Views.Delivered(delivered)).build();
    }

    Connection find(String id) {
        return hub.connection(id).orElseThrow(
                () -> new HubException(ErrorCode.CLIENT_NOT_FOUND, "no client '" + id + "' on this node"));
    }
}
