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
import java.util.Set;

/** Connections of every node: list, look up, kick, message. */
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
    Messenger messenger;
    @Inject
    Directory directory;
    @Inject
    AdminRequests requests;

    @GET
    @Operation(summary = "Connections of all nodes, optionally of one user or room; pages start at 1")
    public Views.Page<Views.Client> list(@QueryParam("user") String user, @QueryParam("room") String room,
                                         @QueryParam("page") @DefaultValue("1") int page,
                                         @QueryParam("size") @DefaultValue("50") int size) {
        if (page < 1 || size < 1 || size > MAX_PAGE_SIZE) {
            throw AdminRequests.invalid("page must be >= 1 and size between 1 and " + MAX_PAGE_SIZE);
        }
        List<ClientRecord> selected = user != null ? directory.clientsOfUser(user)
                : room != null ? directory.clients(directory.members(room))
                : directory.clients();
        if (user != null && room != null) {
            Set<String> members = Set.copyOf(directory.members(room));
            selected = selected.stream().filter(client -> members.contains(client.clientId())).toList();
        }
        List<ClientRecord> all = selected.stream().sorted(Comparator.comparing(ClientRecord::clientId)).toList();
        List<Views.Client> items = all.stream().skip((long) (page - 1) * size).limit(size)
                .map(client -> ViewOf.client(client, directory)).toList();
        return new Views.Page<>(items, page, size, all.size());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One connection, on any node")
    public Views.Client get(@PathParam("id") String id) {
        return ViewOf.client(directory.client(id).orElseThrow(
                () -> new HubException(ErrorCode.CLIENT_NOT_FOUND, "no client '" + id + "'")), directory);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Kick a connection: it is closed with code 4002 and the given reason")
    public Response kick(@PathParam("id") String id, @QueryParam("reason") String reason) {
        Await.result(messenger.kickClient(id, KICK_CLOSE_CODE, requests.reason(reason)));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/messages")
    @Operation(summary = "Send a message of any type to one connection")
    public Response send(@PathParam("id") String id, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        Await.result(messenger.sendToClient(id, hub.message(push.messageType(), push.dataJson(), null)));
        return Response.accepted(new Views.Delivered(1)).build();
    }
}
