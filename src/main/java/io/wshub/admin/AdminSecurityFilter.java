package io.wshub.admin;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;

/** Every admin operation needs a valid token (else 401) whose groups hold {@value #ADMIN_ROLE} (else 403). */
@Provider
@Priority(Priorities.AUTHORIZATION)
public class AdminSecurityFilter implements ContainerRequestFilter {

    public static final String ADMIN_ROLE = "wshub-admin";

    @Override
    public void filter(ContainerRequestContext request) {
        SecurityContext security = request.getSecurityContext();
        if (security.getUserPrincipal() == null) {
            request.abortWith(Problem.response(Response.Status.UNAUTHORIZED,
                    "a bearer token with the '" + ADMIN_ROLE + "' group is required"));
        } else if (!security.isUserInRole(ADMIN_ROLE)) {
            request.abortWith(Problem.response(Response.Status.FORBIDDEN,
                    "the token's groups do not include '" + ADMIN_ROLE + "'"));
        }
    }
}
