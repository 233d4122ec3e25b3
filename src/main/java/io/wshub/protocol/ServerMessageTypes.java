package io.wshub.protocol;

import java.util.Set;

/**
 * The message types the hub itself sends: replies, pushes and notices. A backend may push any other type, but never
 * one of these, so that no client can be shown a forged {@code connected}, {@code error}, {@code room_message} (with
 * a forged sender) or {@code shutdown}.
 */
public final class ServerMessageTypes {

    public static final Set<String> RESERVED = Set.of(
            "connected", "error", "pong", "echo",
            "room_joined", "room_left", "room_message", "direct_message",
            "logged_in", "token_refreshed", "session_kicked", "shutdown",
            "history", "room_message_sent", "direct_acked", "direct_stored",
            "presence", "presence_stats", "user_status", "users_watched", "users_unwatched",
            "user_online", "user_offline", "member_joined", "member_left");

    /**
     * The answer to a request whose handler replied nothing, sent only to formats that answer every request
     * ({@link WireCodec#answersEveryRequest()}: JSON-RPC's empty result, go-ws's {@code receive}). It only ever
     * answers a request, so a backend may still push a {@code done} of its own. A handler that sent its own answer
     * before it completed (a join) is followed by a DONE the codec drops, the request being answered already.
     */
    public static final String DONE = "done";

    private ServerMessageTypes() {
    }

    public static boolean isReserved(String type) {
        return RESERVED.contains(type);
    }
}
