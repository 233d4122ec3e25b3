package io.wshub.admin;

import java.util.List;

/** What the admin API returns (JSON-B, snake_case); plain values, shared with the typed client in admin.client. */
public final class Views {

    private Views() {
    }

    /** The cluster's counts, answered by node {@code nodeId}, with one entry per live node. */
    public record Stats(String nodeId, int clients, int users, int rooms, List<NodeStats> nodes) {
    }

    public record NodeStats(String nodeId, int clients, int users, long startedAt, long lastHeartbeat) {
    }

    public record Client(String clientId, String userId, String platform, boolean authenticated, List<String> rooms,
                         long connectedAt, String nodeId) {
    }

    public record User(String userId, List<Client> connections, List<String> platforms) {
    }

    public record RoomInfo(String roomId, String name, int maxMembers, int members, boolean autoCreated,
                           long createdAt, int historySize, int historyTtl, boolean joinLeaveEvents) {
    }

    /** A room's history: its epoch and latest offset, and messages oldest first; {@code truncated} when more. */
    public record History(String roomId, String epoch, long offset, List<HistoryMessage> messages,
                          boolean truncated) {
    }

    /** One message of a room's history, {@code data} exactly as members received it (its offset included). */
    public record HistoryMessage(long offset, String messageType, jakarta.json.JsonObject data, long timestamp) {
    }

    /**
     * A room publish: for how many members it was queued, its offset in the room's history (null without history),
     * and whether it repeated an idempotency key (then it was not published again and the offset is the first's). The
     * offset is written as null, not left out, without history.
     */
    @jakarta.json.bind.annotation.JsonbNillable
    public record Published(int delivered, Long offset, boolean duplicate) {
    }

    public record Page<T>(List<T> items, int page, int size, int total) {
    }

    /** Users online and connections of the whole cluster. */
    public record PresenceTotals(long users, long clients) {
    }

    /** A room's members on live nodes, at most {@code wshub.presence.max-list}; {@code truncated} when more. */
    public record RoomPresence(String roomId, List<PresenceMember> clients, boolean truncated) {
    }

    public record PresenceMember(String clientId, String userId, String nodeId, long joinedAt) {
    }

    public record RoomPresenceStats(String roomId, long clients, long users) {
    }

    /** Users to ask about: 1 to 100 ids. */
    public record UserIds(List<String> userIds) {
    }

    public record UserStatuses(java.util.Map<String, UserStatus> statuses) {
    }

    /** {@code lastSeen}: epoch ms, the current time while online, null when not seen within the last-seen TTL. */
    public record UserStatus(boolean online, List<String> platforms, Long lastSeen) {
    }

    /** How many connections a message was queued for. */
    public record Delivered(int delivered) {
    }
}
