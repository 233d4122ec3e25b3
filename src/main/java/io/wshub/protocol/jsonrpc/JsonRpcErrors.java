package io.wshub.protocol.jsonrpc;

import io.wshub.protocol.ErrorCode;

/**
 * JSON-RPC error codes: the specification's own, and for the hub's codes the HTTP-like ones bingo clients know
 * (-32000 minus the last two digits of the HTTP status: 401 is -32001, 429 is -32029).
 */
public final class JsonRpcErrors {

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    public static final int UNAUTHORIZED = -32001;
    public static final int FORBIDDEN = -32003;
    public static final int NOT_FOUND = -32004;
    public static final int TIMEOUT = -32008;
    public static final int CONFLICT = -32009;
    public static final int TOO_LARGE = -32013;
    public static final int RATE_LIMITED = -32029;
    public static final int UNAVAILABLE = -32053;
    /** The specification's generic server error, for a hub code this table does not know yet. */
    public static final int SERVER_ERROR = -32000;

    private JsonRpcErrors() {
    }

    /** The JSON-RPC code of a hub error code. */
    public static int code(ErrorCode code) {
        return switch (code) {
            case INVALID_FORMAT -> INVALID_PARAMS;
            case INVALID_MESSAGE_ID -> INVALID_REQUEST;
            case UNKNOWN_MESSAGE_TYPE -> METHOD_NOT_FOUND;
            case UNKNOWN, SERVER_ERROR -> INTERNAL_ERROR;
            case UNAUTHORIZED, TOKEN_EXPIRED, INVALID_TOKEN -> UNAUTHORIZED;
            case FORBIDDEN, NOT_IN_ROOM -> FORBIDDEN;
            case ROOM_NOT_FOUND, CLIENT_NOT_FOUND, CLIENT_OFFLINE -> NOT_FOUND;
            case TIMEOUT, NOT_ACKNOWLEDGED -> TIMEOUT;
            case ROOM_ALREADY_EXISTS, ROOM_FULL, ALREADY_IN_ROOM, TOO_MANY_ROOMS -> CONFLICT;
            case MESSAGE_TOO_LARGE -> TOO_LARGE;
            case RATE_LIMITED, TOO_MANY_CONNECTIONS -> RATE_LIMITED;
            case CLUSTER_UNAVAILABLE -> UNAVAILABLE;
            default -> SERVER_ERROR;
        };
    }

    /**
     * bingo's {@code reason}: the specification's name for its own codes, else the hub code's name in PascalCase
     * ({@code ROOM_FULL} is {@code RoomFull}), which says more than the shared JSON-RPC code.
     */
    public static String reason(int rpcCode, ErrorCode code) {
        return switch (rpcCode) {
            case PARSE_ERROR -> "ParseError";
            case INVALID_REQUEST -> "InvalidRequest";
            case METHOD_NOT_FOUND -> "MethodNotFound";
            case INVALID_PARAMS -> "InvalidParams";
            case INTERNAL_ERROR -> "InternalError";
            default -> pascalCase(code.name());
        };
    }

    private static String pascalCase(String constant) {
        StringBuilder out = new StringBuilder(constant.length());
        boolean upper = true;
        for (char c : constant.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? c : Character.toLowerCase(c));
                upper = false;
            }
        }
        return out.toString();
    }
}
