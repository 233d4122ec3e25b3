package io.wshub.bench;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;

/**
 * The wire format room members speak in a fan-out scenario: where they connect, how they join the bench room, and
 * how their frames are told apart (a room message to count, the answer to the join, an error). The sender always
 * stays a GoHub client on {@code /ws}, so every format measures the same publish path and only the members' encoding
 * and writing differ.
 */
enum MemberFormat {
    GOHUB("gohub", "/ws", "{\"message_id\":1,\"message_type\":\"join_room\",\"data\":{\"room_id\":\"" + Scenarios.ROOM
            + "\"}}", "\"message_type\":\"", "room_message\"", "room_joined\"", "error\""),
    /** The join is answered {@code {"jsonrpc":"2.0","result":{"subscribed":["bench"],...},"id":1}}. */
    JSONRPC("jsonrpc", "/ws/jsonrpc", "{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\",\"params\":{\"topics\":[\""
            + Scenarios.ROOM + "\"]},\"id\":1}", "\"method\":\"", "message\"", null, null),
    GOWS("gows", "/ws/channels", "{\"id\":\"s\",\"type\":\"subscribe\",\"channel\":\"" + Scenarios.ROOM + "\"}",
            "\"type\":\"", "message\"", "receive\"", "error\""),
    /** Joins by its URL ({@code ?room=bench}); frames are SSE events, see {@link SseStreams}. */
    SSE("sse", "/sse", null, null, null, null, null);

    enum Kind { MESSAGE, JOINED, ERROR, OTHER }

    private static final byte[] JSONRPC_SUBSCRIBED = Scenarios.bytes("\"subscribed\":[\"" + Scenarios.ROOM + "\"");
    private static final byte[] JSONRPC_ERROR = Scenarios.bytes("\"error\":{");

    final String label;
    final String path;
    final byte[] join;
    private final byte[] typeKey;
    private final byte[] messageType;
    private final byte[] joinedType;
    private final byte[] errorType;

    MemberFormat(String label, String path, String join, String typeKey, String messageType, String joinedType,
                 String errorType) {
        this.label = label;
        this.path = path;
        this.join = join == null ? null : Scenarios.bytes(join);
        this.typeKey = typeKey == null ? null : Scenarios.bytes(typeKey);
        this.messageType = messageType == null ? null : Scenarios.bytes(messageType);
        this.joinedType = joinedType == null ? null : Scenarios.bytes(joinedType);
        this.errorType = errorType == null ? null : Scenarios.bytes(errorType);
    }

    static MemberFormat of(String label) {
        for (MemberFormat f : values()) {
            if (f.label.equals(label.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("member formats are " + Arrays.stream(values()).map(f -> f.label).toList()
                + ", not " + label);
    }

    boolean isWebSocket() {
        return this != SSE;
    }

    /** The members' URL on the node that {@code target} reaches at {@code ws://host:port/ws}. */
    URI uri(Target target) {
        if (target.isGohub() && this != GOHUB) {
            throw new IllegalArgumentException("the GoHub peer speaks only the GoHub format");
        }
        if (this == GOHUB) {
            return target.memberUri(0);
        }
        String base = (this == SSE ? "http" : "ws") + "://" + target.ws.getHost() + ":" + target.ws.getPort();
        return URI.create(base + path + (this == SSE ? "?room=" + Scenarios.ROOM : ""));
    }

    /**
     * What a text frame of this format is. A JSON-RPC response has no method: it is the join's answer when it lists
     * the room as subscribed, an error when it holds an error object.
     */
    Kind classify(byte[] a, int off, int len) {
        int end = off + len;
        int at = WsClient.indexOf(a, off, end, typeKey);
        at = at < 0 ? -1 : at + typeKey.length;
        if (Scenarios.matches(a, at, end, messageType)) {
            return Kind.MESSAGE;
        }
        if (this == JSONRPC) {
            if (at >= 0) {
                return Kind.OTHER;
            }
            if (WsClient.indexOf(a, off, end, JSONRPC_ERROR) >= 0) {
                return Kind.ERROR;
            }
            return WsClient.indexOf(a, off, end, JSONRPC_SUBSCRIBED) >= 0 ? Kind.JOINED : Kind.OTHER;
        }
        if (Scenarios.matches(a, at, end, joinedType)) {
            return Kind.JOINED;
        }
        return Scenarios.matches(a, at, end, errorType) ? Kind.ERROR : Kind.OTHER;
    }
}
