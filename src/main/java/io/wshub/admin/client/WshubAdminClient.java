package io.wshub.admin.client;

import io.wshub.admin.JsonNaming;
import io.wshub.admin.Views;
import io.wshub.admin.ViewsOfDelivery;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.RestClientBuilder;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.net.URI;
import java.util.List;
import java.util.function.Supplier;

/**
 * The admin API as a typed MicroProfile Rest Client, for backends. Inject it with {@code @RestClient} (config key
 * {@code wshub-admin}: {@code wshub-admin/mp-rest/uri=http://hub:8080}) and add the token yourself, or build one:
 * <pre>
 * WshubAdminClient hub = WshubAdminClient.connect(URI.create("http://hub:8080"), () -> tokens.current());
 * hub.publish("lobby", new Message("announcement", Json.createObjectBuilder().add("text", "hi").build()));
 * </pre>
 * Failures arrive as {@link WshubAdminException} carrying the problem document.
 */
@RegisterRestClient(configKey = "wshub-admin")
@RegisterProvider(JsonNaming.class)
@RegisterProvider(WshubAdminException.Mapper.class)
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface WshubAdminClient {

    /** A client for the hub at {@code hubUri} that sends {@code token} (a JWT with the wshub-admin group). */
    static WshubAdminClient connect(URI hubUri, Supplier<String> token) {
        return RestClientBuilder.newBuilder().baseUri(hubUri)
                .register((ClientRequestFilter) request -> request.getHeaders()
                        .putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + token.get()))
                .build(WshubAdminClient.class);
    }

    @GET
    @Path("stats")
    Views.Stats stats();

    @POST
    @Path("broadcast")
    Views.Delivered broadcast(Message message);

    @GET
    @Path("clients")
    Views.Page<Views.Client> clients(@QueryParam("user") String user, @QueryParam("room") String room,
                                     @QueryParam("page") Integer page, @QueryParam("size") Integer size);

    @GET
    @Path("clients/{id}")
    Views.Client client(@PathParam("id") String clientId);

    @DELETE
    @Path("clients/{id}")
    void kickClient(@PathParam("id") String clientId, @QueryParam("reason") String reason);

    @POST
    @Path("clients/{id}/messages")
    Views.Delivered sendToClient(@PathParam("id") String clientId, Message message);

    @GET
    @Path("users/{id}")
    Views.User user(@PathParam("id") String userId);

    @POST
    @Path("users/{id}/messages")
    Views.Delivered sendToUser(@PathParam("id") String userId, @QueryParam("platform") String platform,
                               Message message);

    @DELETE
    @Path("users/{id}")
    void kickUser(@PathParam("id") String userId, @QueryParam("reason") String reason);

    @GET
    @Path("rooms")
    List<Views.RoomInfo> rooms();

    @POST
    @Path("rooms")
    Views.RoomInfo createRoom(NewRoom room);

    @GET
    @Path("rooms/{id}")
    Views.RoomInfo room(@PathParam("id") String roomId);

    @DELETE
    @Path("rooms/{id}")
    void deleteRoom(@PathParam("id") String roomId);

    @GET
    @Path("rooms/{id}/members")
    List<Views.Client> members(@PathParam("id") String roomId);

    @PUT
    @Path("rooms/{id}/members/{clientId}")
    void addMember(@PathParam("id") String roomId, @PathParam("clientId") String clientId);

    @DELETE
    @Path("rooms/{id}/members/{clientId}")
    void removeMember(@PathParam("id") String roomId, @PathParam("clientId") String clientId);

    /** To every member of the room: for how many, and its offset in the room's history (null without history). */
    @POST
    @Path("rooms/{id}/messages")
    Views.Published publish(@PathParam("id") String roomId, Message message);

    /** As {@link #publish(String, Message)}, once per idempotency key: a repeat answers the first offset. */
    @POST
    @Path("rooms/{id}/messages")
    Views.Published publish(@PathParam("id") String roomId, RoomMessage message);

    /**
     * The room's history, oldest first: the messages above {@code sinceOffset}, or (null) the newest {@code limit}
     * (null: 100, at most 1000).
     */
    @GET
    @Path("rooms/{id}/history")
    Views.History history(@PathParam("id") String roomId, @QueryParam("since_offset") Long sinceOffset,
                          @QueryParam("limit") Integer limit);

    /**
     * Sends a message that a connection of the user must acknowledge and waits for it: {@code acked} with the
     * acknowledging client and the number of deliveries, or {@code stored} for an offline user (with the offline
     * store on); a {@link WshubAdminException} with status 504 when nobody acknowledged it.
     */
    @POST
    @Path("users/{id}/messages")
    ViewsOfDelivery.Acknowledgement sendToUserAcked(@PathParam("id") String userId,
                                                    @QueryParam("platform") String platform, AckedMessage message);

    /** Users online and connections of the whole cluster. */
    @GET
    @Path("presence")
    Views.PresenceTotals presence();

    /** The online users of the whole cluster, sorted by id (page from 1, size default 50, at most 500). */
    @GET
    @Path("presence/users")
    Views.Page<String> onlineUsers(@QueryParam("page") Integer page, @QueryParam("size") Integer size);

    /** The status of 1 to 100 users. */
    @POST
    @Path("presence/status")
    Views.UserStatuses userStatuses(Views.UserIds users);

    @GET
    @Path("rooms/{id}/presence")
    Views.RoomPresence roomPresence(@PathParam("id") String roomId);

    @GET
    @Path("rooms/{id}/presence_stats")
    Views.RoomPresenceStats roomPresenceStats(@PathParam("id") String roomId);

    @GET
    @Path("users/{id}/offline")
    ViewsOfDelivery.Offline offline(@PathParam("id") String userId);

    @DELETE
    @Path("users/{id}/offline")
    void clearOffline(@PathParam("id") String userId);
}
