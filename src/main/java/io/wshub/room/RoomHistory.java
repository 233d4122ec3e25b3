package io.wshub.room;

import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.History;
import io.wshub.cluster.History.Entry;
import io.wshub.cluster.History.Page;
import io.wshub.cluster.History.Position;
import io.wshub.hub.HubConfig;
import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.protocol.RawJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;

/**
 * Reading a room's history, for a client ({@code history}), a backend (the admin API) and a member that recovers: the
 * {@link History} engine's entries, cut to what one reply may hold. Its methods wait for the store: run them as
 * cluster calls.
 */
@ApplicationScoped
public class RoomHistory {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    /** Entries read per step while collecting what a recovering member missed. */
    static final int RECOVERY_STEP = 1000;
    /** Room for the reply's own fields around its messages. */
    private static final int ENVELOPE_RESERVE = 512;

    @Inject
    History history;
    @Inject
    Directory directory;
    @Inject
    HubConfig config;

    /** How a member asks to recover: the last offset it had and the epoch it had it in. */
    public record Recover(long offset, String epoch) {
    }

    /**
     * Where a member joins a room with history: the room's position, whether it recovered (null when it did not ask)
     * and what it missed, oldest first, up to the position.
     */
    record Plan(Position position, Boolean recovered, List<Entry> missed) {
    }

    /**
     * {@code {room_id, epoch, offset, messages, truncated}}: the messages above {@code since} (all of them when null:
     * the newest {@code limit}), oldest first, at most {@code limit} and at most {@code wshub.max-message-bytes} of
     * them; 3000 for an unknown room. A room without history has no epoch and no messages.
     */
    public RawJson read(String roomId, Long since, int limit) {
        return read(find(roomId), since, limit);
    }

    /** The room, from the directory; 3000 when there is none. */
    public RoomRecord find(String roomId) {
        return directory.room(roomId).orElseThrow(
                () -> new HubException(ErrorCode.ROOM_NOT_FOUND, "room '" + roomId + "' does not exist"));
    }

    /** {@link #read(String, Long, int)} of a room already found. */
    public RawJson read(RoomRecord room, Long since, int limit) {
        String roomId = room.roomId();
        if (!room.hasHistory()) {
            return reply(roomId, null, 0, List.of(), false);
        }
        long after = since == null ? -1 : since;
        Page page = history.read(roomId, after, limit);
        List<Entry> fitting = fit(page.entries(), after < 0);
        boolean truncated = fitting.size() < page.entries().size() || page.leftOut(after);
        return reply(roomId, page.position().epoch(), page.position().offset(), fitting, truncated);
    }

    /** The entries that fit in one frame: the oldest first, or, for the newest ones, the newest. */
    private List<Entry> fit(List<Entry> entries, boolean keepNewest) {
        long budget = Math.max(0, config.maxMessageBytes() - ENVELOPE_RESERVE);
        long used = 0;
        int kept = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(keepNewest ? entries.size() - 1 - i : i);
            used += Json.utf8Length(entry.data()) + Json.utf8Length(entry.type()) + 80;
            if (used > budget) {
                break;
            }
            kept++;
        }
        return keepNewest ? entries.subList(entries.size() - kept, entries.size()) : entries.subList(0, kept);
    }

    private static RawJson reply(String roomId, String epoch, long offset, List<Entry> entries, boolean truncated) {
        StringBuilder out = new StringBuilder(256 + entries.size() * 128);
        out.append("{\"room_id\":");
        Json.quote(out, roomId).append(",\"epoch\":");
        if (epoch == null) {
            out.append("null");
        } else {
            Json.quote(out, epoch);
        }
        out.append(",\"offset\":").append(offset).append(",\"messages\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            out.append(i == 0 ? "" : ",").append("{\"offset\":").append(entry.offset()).append(",\"message_type\":");
            Json.quote(out, entry.type()).append(",\"data\":").append(entry.data())
                    .append(",\"timestamp\":").append(entry.timestamp()).append('}');
        }
        return new RawJson(out.append("],\"truncated\":").append(truncated).append('}').toString());
    }

    /**
     * Where a member joins: the room's position and, when it asks to recover, what it missed. It recovers when its
     * epoch is the room's and the history still reaches back to the offset after its own.
     */
    Plan plan(RoomRecord room, Recover recover) {
        Position position = history.position(room.roomId(), room.historyTtl());
        if (recover == null) {
            return new Plan(position, null, List.of());
        }
        if (!recover.epoch().equals(position.epoch()) || recover.offset() > position.offset()) {
            return new Plan(position, false, List.of());
        }
        List<Entry> missed = new ArrayList<>();
        long after = recover.offset();
        while (after < position.offset()) {
            Page page = history.read(room.roomId(), after, RECOVERY_STEP);
            if (!position.epoch().equals(page.position().epoch()) || page.entries().isEmpty()
                    || page.entries().get(0).offset() != after + 1) {
                return new Plan(position, false, List.of()); // the history no longer reaches back (or was lost)
            }
            for (Entry entry : page.entries()) {
                if (entry.offset() > position.offset()) {
                    break;
                }
                missed.add(entry);
                after = entry.offset();
            }
            if (page.entries().size() < RECOVERY_STEP) {
                break;
            }
        }
        if (after < position.offset()) {
            return new Plan(position, false, List.of());
        }
        return new Plan(position, true, missed);
    }

    /** Drops a deleted room's history: a room created again under its id starts a new epoch. */
    public void forget(String roomId) {
        history.forget(roomId);
    }
}
