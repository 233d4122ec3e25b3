package io.wshub.admin;

import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.delivery.AckPolicy;
import io.wshub.delivery.Acks;
import io.wshub.delivery.Deliveries;
import io.wshub.delivery.OfflineStore;
import io.wshub.delivery.Receipt;
import io.wshub.hub.ClusterCalls;
import io.wshub.hub.Messenger;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
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

import java.math.BigDecimal;
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
    Messenger messenger;
    @Inject
    Directory directory;
    @Inject
    AdminRequests requests;
    @Inject
    Deliveries deliveries;
    @Inject
    Acks acks;
    @Inject
    OfflineStore store;
    @Inject
    ClusterCalls cluster;

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
    @Operation(summary = "Send a message to all of a user's connections, or to those on one platform; with \"ack\", "
            + "wait until one acknowledges it (200), 504 if none did, 202 if stored for an offline user")
    public Response send(@PathParam("id") String id, @QueryParam("platform") String platform, JsonObject body) {
        AdminRequests.Push push = requests.push(body);
        AckPolicy ack = ackPolicy(body.get("ack"));
        Deliveries.Outcome outcome = Await.result(deliveries.toUser(id, platform, push.messageType(),
                Json.parse(push.dataJson()).asJsonObject(), ack, ack == null ? null : new Receipt(null, null, id)));
        if (outcome instanceof Deliveries.Stored stored) {
            return Response.accepted(ack == null ? new ViewsOfDelivery.Stored(0, true)
                    : new ViewsOfDelivery.Acknowledgement(false, true, null, stored.ackId(), null)).build();
        }
        Deliveries.Delivered delivered = (Deliveries.Delivered) outcome;
        if (ack == null) {
            return Response.accepted(new Views.Delivered(delivered.connections())).build();
        }
        Acks.Acked acked = Await.result(delivered.acked()); // 4004, a 504, when nobody acknowledged
        return Response.ok(new ViewsOfDelivery.Acknowledgement(true, false, acked.clientId(), acked.ackId(),
                acked.attempts())).build();
    }

    @GET
    @Path("offline")
    @Operation(summary = "How many messages are stored for the user (offline store), and the time of the oldest")
    public ViewsOfDelivery.Offline offlineMessages(@PathParam("id") String id) {
        OfflineStore.Summary summary = Await.result(cluster.call(() -> store.summary(id,
                System.currentTimeMillis())));
        return new ViewsOfDelivery.Offline(id, summary.count(),
                summary.count() == 0 ? null : summary.oldestTimestamp());
    }

    @DELETE
    @Path("offline")
    @Operation(summary = "Drop the messages stored for the user")
    public Response clearOfflineMessages(@PathParam("id") String id) {
        Await.result(cluster.call(() -> store.clear(id)));
        return Response.noContent().build();
    }

    /**
     * {@code "ack": {"timeout_ms": 5000, "retries": 3}} (either may be left out for the defaults), or {@code true};
     * null for no acknowledgement.
     */
    private AckPolicy ackPolicy(JsonValue ack) {
        if (ack == null || ack.getValueType() == JsonValue.ValueType.NULL
                || ack.getValueType() == JsonValue.ValueType.FALSE) {
            return null;
        }
        if (ack.getValueType() == JsonValue.ValueType.TRUE) {
            return acks.policy(null, null);
        }
        if (!(ack instanceof JsonObject settings)) {
            throw AdminRequests.invalid("ack must be an object {timeout_ms, retries}");
        }
        Long timeout = count(settings, "timeout_ms");
        Long retries = count(settings, "retries");
        return acks.policy(timeout, retries == null ? null : (int) Math.min(Integer.MAX_VALUE, retries));
    }

    private static Long count(JsonObject settings, String field) {
        JsonValue value = settings.get(field);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonNumber number && number.isIntegral() && number.bigDecimalValue().signum() >= 0) {
            return number.bigDecimalValue().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE
                    : number.bigDecimalValue().longValue();
        }
        throw AdminRequests.invalid("ack." + field + " must be a non-negative integer");
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
