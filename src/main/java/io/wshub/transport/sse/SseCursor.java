package io.wshub.transport.sse;

import io.wshub.hub.RoomPosition;
import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An SSE stream's position in each of its rooms with history, written as every event's {@code id:} and read back from
 * a reconnecting browser's {@code Last-Event-ID}: base64url (no padding) of {@code {"<room>":[offset,"<epoch>"]}}.
 * Clients treat it as opaque. Not thread-safe: one stream's writes change it one at a time.
 */
final class SseCursor {

    /** A room's place: the last offset the stream had and the epoch it had it in. */
    record Mark(long offset, String epoch) {
    }

    private final Map<String, Mark> rooms = new LinkedHashMap<>();
    private String encoded;

    /** A cursor that knows no room. */
    SseCursor() {
    }

    /** The cursor a client sent back; empty when it is not one of ours (unreadable, or changed). */
    static Optional<SseCursor> parse(String text) {
        try {
            byte[] json = Base64.getUrlDecoder().decode(text.trim());
            JsonObject marks = Json.parse(new String(json, StandardCharsets.UTF_8)).asJsonObject();
            SseCursor cursor = new SseCursor();
            for (Map.Entry<String, JsonValue> room : marks.entrySet()) {
                JsonArray mark = room.getValue().asJsonArray();
                if (mark.size() != 2 || !(mark.get(0) instanceof JsonNumber offset) || !offset.isIntegral()
                        || offset.longValue() < 0 || !(mark.get(1) instanceof JsonString epoch)
                        || epoch.getString().isEmpty()) {
                    return Optional.empty();
                }
                cursor.rooms.put(room.getKey(), new Mark(offset.longValue(), epoch.getString()));
            }
            return Optional.of(cursor);
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** Only the marks of these rooms: a stream keeps no place in rooms it did not ask for. */
    SseCursor keepOnly(Collection<String> roomIds) {
        rooms.keySet().retainAll(roomIds);
        encoded = null;
        return this;
    }

    Optional<Mark> mark(String roomId) {
        return Optional.ofNullable(rooms.get(roomId));
    }

    /** The stream received a message at {@code position}: its place in that room moves there. */
    void advance(RoomPosition position) {
        Mark before = rooms.get(position.roomId());
        String epoch = position.epoch() != null ? position.epoch() : before == null ? null : before.epoch();
        if (epoch == null) {
            return; // a numbered message of a room the stream was never told the epoch of: nothing to resume by
        }
        Mark after = new Mark(position.offset(), epoch);
        if (!after.equals(before)) {
            rooms.put(position.roomId(), after);
            encoded = null;
        }
    }

    /** The {@code id:} value; made again only when a place changed. */
    String encoded() {
        if (encoded == null) {
            var json = Json.object();
            rooms.forEach((room, mark) -> json.add(room, Json.PROVIDER.createArrayBuilder().add(mark.offset())
                    .add(mark.epoch())));
            encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    json.build().toString().getBytes(StandardCharsets.UTF_8));
        }
        return encoded;
    }
}
