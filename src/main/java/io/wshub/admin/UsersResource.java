package io.wshub.admin;

import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.hub.Hub;
import io.wshub.hub.Messenger;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
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

/** Users: every connection of a user id, on all its devices and nodes. */
@RequestScoped
@Path("users/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UsersResource {

    @Inject
    Hub hub;
    @Inject
    Messenger messenger;
    @Inject
    Directory directory;
    @Inject
    AdminRequests requests;

    @GET
    @Operation(summary = "A user's connections, on every node, and platforms")
    public Views.User get(@PathParam("id") String id) {
        List<ClientRecord> connections = directory.clientsOfUser(id).stream()
                .sorted(Comparator.comparing(ClientRecord::connectedAt)).toList();
        if (connections.isEmpty()) {
            throw offline(id);
        }
        return new Views.User(id, connections.stream().map(c -> ViewOf.client(c, directory)).toList(),
                connections.stream().map(ClientRecord::platform).filter(Objects::nonNull).distinct().sorted()
                        .toList());
    }

    @POST
    @Path("messages")
    @Operation(summary = "Send a message to all of a user's connections, or to those on one platform")
    public Response send(@PathParam("id") String id, @QueryParam("platform") String platform, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        int delivered = Await.result(messenger.sendToUser(id, platform,
                hub.message(push.messageType(), push.dataJson(), null)));
        if (delivered == 0) {
            throw new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + id + "' has no connection"
                    + (platform == null ? "" : " on " + platform));
        }
        return Response.accepted(new Views.Delivered(delivered)).build();
    }

    @DELETE
    @Operation(summary = "Kick all of a user's connections (close code 4002 with the given reason)")
    public Response kick(@PathParam("id") String id, @QueryParam("reason") String reason) {
        Await.result(messenger.kickUser(id, ClientsResource.KICK_CLOSE_CODE, requests.reason(reason)));
        return Response.noContent().build();
    }

    private static HubException offline(String id) {
        return new HubException(ErrorCode.CLIENT_OFFLINE, "user '" + id + "' is not online");
    }
}
