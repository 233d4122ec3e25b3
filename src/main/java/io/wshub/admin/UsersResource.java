package io.wshub.admin;

import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import java.util.Objects;

/** Users: every connection of a user id, on all its devices. */
@RequestScoped
@Path("users/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UsersResource {

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    AdminRequests requests;

    @GET
    @Operation(summary = "A user's connections and platforms")
    public Views.User get(@PathParam("id") String id) {
        List<Connection> connections = online(id);
        return new Views.User(id, connections.stream().map(c -> ViewOf.client(c, rooms)).toList(),
                connections.stream().map(c -> c.identity().platform()).filter(Objects::nonNull).distinct().sorted()
                        .toList());
    }

    @POST
    @Path("messages")
    @Operation(summary = "Send a message to all of a user's connections, or to those on one platform")
    public Response send(@PathParam("id") String id, @QueryParam("platform") String platform, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        List<Connection> targets = online(id).stream()
                .filter(c -> platform == null || platform.equals(c.identity().platform())).toList();
        if (targets.isEmpty()) {
            throw new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + id + "' has no connection on " + platform);
        }
        Delivery delivery = new Delivery(hub.message(push.messageType(), push.dataJson(), null));
        int delivered = (int) targets.stream().filter(c -> c.send(delivery)).count();
        return Response.accepted(new Views.Delivered(delivered)).build();
    }

    @DELETE
    @Operation(summary = "Kick all of a user's connections (close code 4002 with the given reason)")
    public Response kick(@PathParam("id") String id, @QueryParam("reason") String reason) {
        String closeReason = requests.reason(reason);
        online(id).forEach(c -> c.close(ClientsResource.KICK_CLOSE_CODE, closeReason));
        return Response.noContent().build();
    }

    private List<Connection> online(String id) {
        List<Connection> connections = hub.connectionsOf(id).stream()
                .sorted(Comparator.comparing(Connection::connectedAt)).toList();
        if (connections.isEmpty()) {
            throw new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + id + "' is not online");
        }
        return connections;
    }
}
