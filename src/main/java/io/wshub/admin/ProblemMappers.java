package io.wshub.admin;

import io.wshub.protocol.HubException;
import jakarta.json.JsonException;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Every admin API failure becomes an application/problem+json response. */
public final class ProblemMappers {

    private ProblemMappers() {
    }

    /** The hub's refusals, with the HTTP status that fits each. */
    @Provider
    public static class HubFailures implements ExceptionMapper<HubException> {
        @Override
        public Response toResponse(HubException e) {
            Response.Status status = switch (e.code()) {
                case ROOM_NOT_FOUND, CLIENT_NOT_FOUND, CLIENT_OFFLINE, NOT_IN_ROOM -> Response.Status.NOT_FOUND;
                case ROOM_ALREADY_EXISTS, ALREADY_IN_ROOM, ROOM_FULL, TOO_MANY_ROOMS -> Response.Status.CONFLICT;
                case INVALID_FORMAT, INVALID_MESSAGE_ID -> Response.Status.BAD_REQUEST;
                case MESSAGE_TOO_LARGE -> Response.Status.REQUEST_ENTITY_TOO_LARGE;
                case FORBIDDEN -> Response.Status.FORBIDDEN;
                case UNAUTHORIZED, INVALID_TOKEN, TOKEN_EXPIRED -> Response.Status.UNAUTHORIZED;
                case CLUSTER_UNAVAILABLE -> Response.Status.SERVICE_UNAVAILABLE;
                case NOT_ACKNOWLEDGED -> Response.Status.GATEWAY_TIMEOUT;
                default -> Response.Status.INTERNAL_SERVER_ERROR;
            };
            return Problem.response(status, e.getMessage());
        }
    }

    /** JAX-RS's own (unknown path 404, wrong method 405, unreadable body 400, ...). */
    @Provider
    public static class WebFailures implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            Response.StatusType status = e.getResponse().getStatusInfo();
            return Problem.response(status, e.getMessage() == null ? status.getReasonPhrase() : e.getMessage());
        }
    }

    /** Unreadable JSON bodies are 400; anything else is a bug: logged, and answered 500 without internals. */
    @Provider
    public static class Unexpected implements ExceptionMapper<RuntimeException> {
        private static final Logger LOG = Logger.getLogger(ProblemMappers.class.getName());

        @Override
        public Response toResponse(RuntimeException e) {
            if (e instanceof JsonException || e instanceof JsonbException) {
                return Problem.response(Response.Status.BAD_REQUEST, "the request body is not valid JSON");
            }
            LOG.log(Level.WARNING, "admin API failure", e);
            return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "internal error");
        }
    }
}
