package io.wshub.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.auth.LoginConfig;

/**
 * Turns MicroProfile JWT on for the application (the WebSocket upgrade and, later, the admin API under /api).
 * ApplicationScoped because with annotated bean discovery Payara's MP-JWT needs this class to be a bean.
 */
@ApplicationScoped
@ApplicationPath("/api")
@LoginConfig(authMethod = "MP-JWT")
public class WshubApplication extends Application {
}
