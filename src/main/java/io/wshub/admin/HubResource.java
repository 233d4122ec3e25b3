package io.wshub.admin;

import io.wshub.hub.Hub;
import io.wshub.hub.HubConfig;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Node-wide operations: statistics and broadcast. */
@RequestScoped
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class HubResource {

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    RoomRegistry rooms;
    @Inject
    AdminRequests requests;

    @GET
    @Path("stats")
    @Operation(summary = "Counts of this node: clients (connections), users and rooms")
    public Views.Stats stats() {
        return new Views.Stats(config.nodeId(), hub.connectionCount(), hub.userCount(), rooms.roomCount());
    }

    @POST
    @Path("broadcast")
    @Operation(summary = "Send a message of any type to every connection")
    @APIResponse(responseCode = "202", description = "queued; the body says for how many connections")
    public Response broadcast(JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        int delivered = hub.broadcast(hub.message(push.messageType(), push.dataJson(), null));
        return Response.accepted(new Views.Delivered(delivered)).build();
    }
}
