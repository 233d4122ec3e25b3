package io.wshub.admin.client;

import io.wshub.admin.Problem;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.ext.ResponseExceptionMapper;

/** An admin API refusal: its HTTP status and problem document. */
public class WshubAdminException extends RuntimeException {

    private final int status;
    private final Problem problem;

    public WshubAdminException(int status, Problem problem) {
        super(status + " " + (problem == null ? "" : problem.detail()));
        this.status = status;
        this.problem = problem;
    }

    public int status() {
        return status;
    }

    /** Null when the server sent no problem document (a proxy's answer, say). */
    public Problem problem() {
        return problem;
    }

    /** Turns every 4xx/5xx answer into a {@link WshubAdminException}. */
    public static class Mapper implements ResponseExceptionMapper<WshubAdminException> {
        @Override
        public WshubAdminException toThrowable(Response response) {
            Problem problem = null;
            String type = response.getMediaType() == null ? "" : response.getMediaType().toString();
            if (type.startsWith(Problem.MEDIA_TYPE)) {
                problem = response.readEntity(Problem.class);
            }
            return new WshubAdminException(response.getStatus(), problem);
        }

        @Override
        public boolean handles(int status, MultivaluedMap<String, Object> headers) {
            return status >= 400;
        }
    }
}
