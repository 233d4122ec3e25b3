package io.wshub.admin;

import io.wshub.hub.Connection;
import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.room.Room;
import io.wshub.room.RoomRegistry;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.Comparator;
import java.util.List;

/** Rooms: create (GoHub's CreateRoom), inspect, delete, server-side join and leave, and publish. */
@RequestScoped
@Path("rooms")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RoomsResource {

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    AdminRequests requests;
    @Inject
    ClientsResource clients;

    @GET
    @Operation(summary = "All rooms of this node")
    public List<Views.RoomInfo> list() {
        return rooms.rooms().stream().sorted(Comparator.comparing(Room::id)).map(ViewOf::room).toList();
    }

    @POST
    @Operation(summary = "Create a room; it stays when empty. max_members 0 = unlimited, absent = the default")
    public Response create(JsonObject body, @Context UriInfo uri) {
        AdminRequests.NewRoom request = requests.newRoom(body);
        Room room = rooms.create(request.roomId(), request.name(), request.maxMembers());
        return Response.created(uri.getAbsolutePathBuilder().path(room.id()).build())
                .entity(ViewOf.room(room)).build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One room")
    public Views.RoomInfo get(@PathParam("id") String id) {
        return ViewOf.room(find(id));
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a room; its members are told with room_left")
    public Response delete(@PathParam("id") String id) {
        List<Connection> members = List.copyOf(find(id).members());
        rooms.delete(id);
        members.forEach(member -> member.send(left(id)));
        return Response.noContent().build();
    }

    @GET
    @Path("{id}/members")
    @Operation(summary = "The room's members")
    public List<Views.Client> members(@PathParam("id") String id) {
        return find(id).members().stream().sorted(Comparator.comparing(Connection::id))
                .map(c -> ViewOf.client(c, rooms)).toList();
    }

    @PUT
    @Path("{id}/members/{clientId}")
    @Operation(summary = "Put a connection into the room (the client is told with room_joined)")
    public Response join(@PathParam("id") String id, @PathParam("clientId") String clientId) {
        Connection connection = clients.find(clientId);
        Room room = rooms.join(connection, id);
        connection.send(hub.message("room_joined", Json.object().add("room_id", room.id()).add("status", "joined")
                .build().toString(), null));
        return Response.noContent().build();
    }

    @DELETE
    @Path("{id}/members/{clientId}")
    @Operation(summary = "Take a connection out of the room (the client is told with room_left)")
    public Response leave(@PathParam("id") String id, @PathParam("clientId") String clientId) {
        Connection connection = clients.find(clientId);
        find(id);
        rooms.leave(connection, id);
        connection.send(left(id));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/messages")
    @Operation(summary = "Send a message of any type to every member of the room")
    public Response publish(@PathParam("id") String id, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        find(id);
        int delivered = rooms.publish(id, hub.message(push.messageType(), push.dataJson(), null), null);
        return Response.accepted(new Views.Delivered(delivered)).build();
    }

    private io.wshub.protocol.Outbound left(String roomId) {
        return hub.message("room_left", Json.object().add("room_id", roomId).add("status", "left").build().toString(),
                null);
    }

    private Room find(String id) {
        return rooms.find(id).orElseThrow(() -> new HubException(ErrorCode.ROOM_NOT_FOUND, "no room '" + id + "'"));
    }
}
