package io.wshub.admin;

import io.wshub.cluster.Directory;
import io.wshub.cluster.Presence;
import io.wshub.presence.PresenceConfig;
import io.wshub.presence.PresenceViews;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.hub.Hub;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.room.RoomHistory;
import io.wshub.room.RoomRegistry;
import jakarta.ws.rs.QueryParam;
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
    Directory directory;
    @Inject
    AdminRequests requests;
    @Inject
    RoomHistory roomHistory;
    @Inject
    Presence presence;
    @Inject
    PresenceConfig presenceConfig;

    @GET
    @Operation(summary = "All rooms of the cluster")
    public List<Views.RoomInfo> list() {
        return directory.rooms().stream().sorted(Comparator.comparing(RoomRecord::roomId)).map(ViewOf::room)
                .toList();
    }

    @POST
    @Operation(summary = "Create a room; it stays when empty. max_members 0 = unlimited; history_size 0 = no history; "
            + "join_leave_events: members get member_joined/member_left; absent = the defaults")
    public Response create(JsonObject body, @Context UriInfo uri) {
        AdminRequests.NewRoom request = requests.newRoom(body);
        RoomRecord room = rooms.create(request.roomId(), request.name(), request.maxMembers(), request.historySize(),
                request.historyTtl(), request.joinLeaveEvents());
        return Response.created(uri.getAbsolutePathBuilder().path(room.roomId()).build())
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
    @Operation(summary = "Delete a room; its members, on every node, are told with room_left")
    public Response delete(@PathParam("id") String id) {
        rooms.delete(id);
        return Response.noContent().build();
    }

    @GET
    @Path("{id}/members")
    @Operation(summary = "The room's members, on every node")
    public List<Views.Client> members(@PathParam("id") String id) {
        find(id);
        return directory.clients(directory.members(id)).stream()
                .sorted(Comparator.comparing(ClientRecord::clientId))
                .map(client -> ViewOf.client(client, directory)).toList();
    }

    @GET
    @Path("{id}/presence")
    @Operation(summary = "The room's members on live nodes with their user, node and join time, at most "
            + "wshub.presence.max-list of them (truncated: true when there are more); as the client's presence reply")
    public Response presence(@PathParam("id") String id) {
        Presence.RoomPresence found = presence.roomPresence(id, presenceConfig.maxList()).orElseThrow(() -> noRoom(id));
        return Response.ok(PresenceViews.roomPresence(found).toString(), MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("{id}/presence_stats")
    @Operation(summary = "The room's connection and user counts, in O(1); as the client's presence_stats reply")
    public Response presenceStats(@PathParam("id") String id) {
        Presence.RoomStats stats = presence.roomStats(id).orElseThrow(() -> noRoom(id));
        return Response.ok(PresenceViews.roomStats(stats).toString(), MediaType.APPLICATION_JSON).build();
    }

    @PUT
    @Path("{id}/members/{clientId}")
    @Operation(summary = "Put a connection of any node into the room (the client is told with room_joined)")
    public Response join(@PathParam("id") String id, @PathParam("clientId") String clientId) {
        Await.result(rooms.joinOnBehalf(clientId, id));
        return Response.noContent().build();
    }

    @DELETE
    @Path("{id}/members/{clientId}")
    @Operation(summary = "Take a connection out of the room (the client is told with room_left)")
    public Response leave(@PathParam("id") String id, @PathParam("clientId") String clientId) {
        find(id);
        Await.result(rooms.leaveOnBehalf(clientId, id));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/messages")
    @Operation(summary = "Send a message of any type to every member of the room, on every node; in a room with "
            + "history it gets an offset; an idempotency_key seen in the room within 5 minutes is not published again")
    public Response publish(@PathParam("id") String id, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        RoomRecord room = find(id);
        String data = push.dataJson();
        if (room.hasHistory() && push.data().containsKey("offset")) {
            // the hub's own member: the room's offset replaces whatever the backend put there
            data = Json.PROVIDER.createObjectBuilder(push.data()).remove("offset").build().toString();
        }
        RoomRegistry.Published published = Await.result(rooms.publish(room, push.messageType(), data,
                System.currentTimeMillis(), null, push.idempotencyKey()));
        int delivered = published.duplicate() ? 0 : room.hasHistory() ? room.members()
                : published.queuedHere() + Math.max(0,
                        room.members() - rooms.localRoom(id).map(r -> r.members().size()).orElse(0));
        return Response.accepted(new Views.Published(delivered, published.offset(), published.duplicate())).build();
    }

    @GET
    @Path("{id}/history")
    @Operation(summary = "The room's history, oldest first: the messages above since_offset, or the newest limit "
            + "(default 100, at most 1000); as the client's history reply")
    public Response history(@PathParam("id") String id, @QueryParam("since_offset") String since,
                            @QueryParam("limit") String limit) {
        Long after = requests.queryNumber(since, "since_offset", 0);
        Long count = requests.queryNumber(limit, "limit", 1);
        int max = count == null ? RoomHistory.DEFAULT_LIMIT : (int) Math.min(count, RoomHistory.MAX_LIMIT);
        return Response.ok(roomHistory.read(id, after, max).text(), MediaType.APPLICATION_JSON).build();
    }

    private RoomRecord find(String id) {
        return directory.room(id).orElseThrow(() -> noRoom(id));
    }

    private static HubException noRoom(String id) {
        return new HubException(ErrorCode.ROOM_NOT_FOUND, "no room '" + id + "'");
    }
}
