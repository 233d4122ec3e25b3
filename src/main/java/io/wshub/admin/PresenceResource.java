package io.wshub.admin;

import io.wshub.cluster.Presence;
import io.wshub.presence.PresenceViews;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.List;

/** Who is online in the whole cluster: counts, the online users, user statuses. */
@RequestScoped
@Path("presence")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PresenceResource {

    @Inject
    Presence presence;

    @GET
    @Operation(summary = "Users online and connections of the whole cluster, counted in O(1)")
    public Views.PresenceTotals totals() {
        Presence.Totals totals = presence.totals();
        return new Views.PresenceTotals(totals.users(), totals.clients());
    }

    @GET
    @Path("users")
    @Operation(summary = "The online users of the whole cluster, sorted by id; pages start at 1")
    public Views.Page<String> users(@QueryParam("page") @DefaultValue("1") int page,
                                    @QueryParam("size") @DefaultValue("50") int size) {
        if (page < 1 || size < 1 || size > ClientsResource.MAX_PAGE_SIZE) {
            throw AdminRequests.invalid("page must be >= 1 and size between 1 and " + ClientsResource.MAX_PAGE_SIZE);
        }
        List<String> users = presence.onlineUsers((long) (page - 1) * size, size);
        return new Views.Page<>(users, page, size, (int) presence.totals().users());
    }

    @POST
    @Path("status")
    @Operation(summary = "The status of 1 to 100 users: {user_ids} -> {statuses: {id: {online, platforms, last_seen}}}")
    public Response status(JsonObject body) {
        List<String> userIds = PresenceViews.userIds(body, "user_ids");
        return Response.ok(PresenceViews.statuses(presence.statuses(userIds)).toString(), MediaType.APPLICATION_JSON)
                .build();
    }
}
