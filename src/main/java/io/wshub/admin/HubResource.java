package io.wshub.admin;

import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.hub.Hub;
import io.wshub.hub.Messenger;
import io.wshub.hub.HubConfig;
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

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Cluster-wide operations: statistics and broadcast. */
@RequestScoped
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class HubResource {

    @Inject
    Hub hub;
    @Inject
    Messenger messenger;
    @Inject
    HubConfig config;
    @Inject
    Directory directory;
    @Inject
    AdminRequests requests;

    @GET
    @Path("stats")
    @Operation(summary = "Counts of the whole cluster: clients (connections), users and rooms, and per live node")
    public Views.Stats stats() {
        List<ClientRecord> clients = directory.clients();
        Map<String, List<ClientRecord>> byNode = clients.stream()
                .collect(Collectors.groupingBy(ClientRecord::nodeId));
        List<Views.NodeStats> nodes = directory.nodes().stream()
                .map(node -> {
                    List<ClientRecord> own = byNode.getOrDefault(node.nodeId(), List.of());
                    return new Views.NodeStats(node.nodeId(), own.size(),
                            (int) own.stream().map(ClientRecord::userId).distinct().count(), node.startedAt(),
                            node.lastHeartbeat());
                })
                .sorted(Comparator.comparing(Views.NodeStats::nodeId)).toList();
        return new Views.Stats(config.nodeId(), clients.size(),
                (int) clients.stream().map(ClientRecord::userId).distinct().count(), (int) directory.roomCount(),
                nodes);
    }

    @POST
    @Path("broadcast")
    @Operation(summary = "Send a message of any type to every connection of every node")
    @APIResponse(responseCode = "202", description = "queued; the body says for how many connections")
    public Response broadcast(JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        int delivered = Await.result(messenger.broadcast(hub.message(push.messageType(), push.dataJson(), null)));
        return Response.accepted(new Views.Delivered(delivered)).build();
    }
}
