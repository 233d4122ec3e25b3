package io.wshub.presence;

import io.wshub.auth.Permissions;
import io.wshub.cluster.Presence;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The presence shapes clients and backends share (a room's members, its counts, user statuses) and the rules for the
 * user ids a request names. Both boundaries, the message handlers and the admin API, use them.
 */
public final class PresenceViews {

    private PresenceViews() {
    }

    /**
     * The distinct ids of {@code field}, in order: an array of 1 to {@value PresenceConfig#MAX_IDS_PER_REQUEST}
     * non-empty strings of at most {@value PresenceConfig#MAX_USER_ID_LENGTH} characters without control characters;
     * 1001 otherwise.
     */
    public static List<String> userIds(JsonObject data, String field) {
        JsonValue value = data == null ? null : data.get(field);
        if (!(value instanceof JsonArray array) || array.isEmpty()) {
            throw invalid(field + " must be a non-empty array of user ids");
        }
        if (array.size() > PresenceConfig.MAX_IDS_PER_REQUEST) {
            throw invalid(field + " names " + array.size() + " users; at most " + PresenceConfig.MAX_IDS_PER_REQUEST);
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonValue item : array) {
            if (!(item instanceof JsonString string) || !wellFormed(string.getString())) {
                throw invalid(field + " must hold user ids: non-empty strings of at most "
                        + PresenceConfig.MAX_USER_ID_LENGTH + " characters without control characters");
            }
            ids.add(string.getString());
        }
        return new ArrayList<>(ids);
    }

    private static boolean wellFormed(String id) {
        if (id.isEmpty() || id.length() > PresenceConfig.MAX_USER_ID_LENGTH || Json.unpairedSurrogate(id) >= 0) {
            return false;
        }
        return id.chars().noneMatch(Character::isISOControl);
    }

    private static HubException invalid(String message) {
        return new HubException(ErrorCode.INVALID_FORMAT, message);
    }

    /** The ids of {@link #userIds}, after a 2001 unless the permissions allow watching every one of them. */
    public static List<String> watchableUserIds(JsonObject data, Permissions permissions) {
        List<String> userIds = userIds(data, "user_ids");
        for (String userId : userIds) {
            permissions.require("watch", userId);
        }
        return userIds;
    }

    /**
     * {@code {statuses: {"<id>": {online, platforms, last_seen}}}}, {@code last_seen} null when not seen within the
     * TTL: the answer of {@code user_status}, {@code watch_users} and {@code POST /api/presence/status}.
     */
    public static JsonObject statuses(Map<String, Presence.UserStatus> statuses) {
        JsonObjectBuilder all = Json.object();
        statuses.forEach((userId, status) -> all.add(userId, status(status)));
        return Json.object().add("statuses", all).build();
    }

    public static JsonObject status(Presence.UserStatus status) {
        JsonArrayBuilder platforms = Json.PROVIDER.createArrayBuilder();
        status.platforms().forEach(platforms::add);
        JsonObjectBuilder view = Json.object().add("online", status.online()).add("platforms", platforms);
        if (status.lastSeen() == null) {
            view.addNull("last_seen");
        } else {
            view.add("last_seen", status.lastSeen());
        }
        return view.build();
    }

    /** {@code {room_id, clients: [{client_id, user_id, node_id, joined_at}], truncated}}. */
    public static JsonObject roomPresence(Presence.RoomPresence presence) {
        JsonArrayBuilder clients = Json.PROVIDER.createArrayBuilder();
        for (Presence.Member member : presence.clients()) {
            clients.add(Json.object().add("client_id", member.clientId()).add("user_id", member.userId())
                    .add("node_id", member.nodeId()).add("joined_at", member.joinedAt()));
        }
        return Json.object().add("room_id", presence.roomId()).add("clients", clients)
                .add("truncated", presence.truncated()).build();
    }

    /** {@code {room_id, clients, users}}. */
    public static JsonObject roomStats(Presence.RoomStats stats) {
        return Json.object().add("room_id", stats.roomId()).add("clients", stats.clients())
                .add("users", stats.users()).build();
    }
}
