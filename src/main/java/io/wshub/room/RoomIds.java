package io.wshub.room;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;

/**
 * The rule for room ids, the same for clients and the admin API: 1 to max characters (UTF-16 units), no control
 * characters, valid Unicode (no unpaired surrogate).
 */
public final class RoomIds {

    private RoomIds() {
    }

    /** Throws 1001 ({@link HubException}) unless {@code roomId} is 1 to {@code maxLength} printable characters. */
    public static void validate(String roomId, int maxLength) {
        if (roomId == null || roomId.isEmpty()) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "room_id must be a non-empty string");
        }
        if (roomId.length() > maxLength) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "room_id is longer than " + maxLength + " characters");
        }
        for (int i = 0; i < roomId.length(); i++) {
            if (Character.isISOControl(roomId.charAt(i))) {
                throw new HubException(ErrorCode.INVALID_FORMAT, "room_id must not contain control characters");
            }
        }
        // half a surrogate pair (from a JSON escape) has no UTF-8 form: in Redis, where ids are UTF-8, it would
        // become '?' and the id another room's
        if (Json.unpairedSurrogate(roomId) >= 0) {
            throw new HubException(ErrorCode.INVALID_FORMAT, "room_id must not contain an unpaired surrogate");
        }
    }
}
