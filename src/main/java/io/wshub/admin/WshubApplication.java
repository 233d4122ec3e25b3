package io.wshub.admin;

import jakarta.annotation.security.DeclareRoles;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.auth.LoginConfig;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/**
 * The admin API under /api, and the switch that turns MicroProfile JWT on for the whole application (the WebSocket
 * upgrade too). ApplicationScoped because with annotated bean discovery Payara's MP-JWT needs it to be a bean.
 */
@ApplicationScoped
@ApplicationPath("/api")
@LoginConfig(authMethod = "MP-JWT")
@DeclareRoles(AdminSecurityFilter.ADMIN_ROLE)
@OpenAPIDefinition(info = @Info(title = "wshub admin API", version = "1",
        description = "Drive the hub from a backend: stats, clients, users, rooms and messages. Every operation "
                + "needs a MicroProfile JWT whose groups contain 'wshub-admin'; errors are application/problem+json."))
public class WshubApplication extends Application {
}
