package io.wshub.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.security.enterprise.credential.Credential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStoreHandler;

import java.lang.reflect.Constructor;
import java.security.Principal;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Validates a bearer token that did not come in the {@code Authorization} header, with exactly the MicroProfile JWT
 * configuration ({@code mp.jwt.*}) that the container applies to the header. It hands the token to the container's
 * identity store wrapped in Payara's own JWT credential type, so no second verifier with its own rules exists.
 */
@ApplicationScoped
public class TokenValidator {

    private static final Logger LOG = Logger.getLogger(TokenValidator.class.getName());

    /** Payara's credential for MP-JWT; internal, hence loaded by name. */
    static final String PAYARA_JWT_CREDENTIAL = "fish.payara.microprofile.jwtauth.eesecurity.SignedJWTCredential";

    @Inject
    IdentityStoreHandler identityStores;

    private volatile Constructor<?> credentialType;

    /**
     * Has the container make its identity store handler now. Made lazily, at the first token, it looks up the bean
     * manager through JNDI, which works only where the container has set up its invocation context: a frame read on a
     * selector (transport.GrizzlyDirectReads) or the hub's own threads have none, and a {@code login} there failed.
     * A credential no store knows makes it without validating anything.
     */
    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        try {
            identityStores.validate(new Credential() {
            });
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the container's identity store handler could not be made at startup; the first "
                    + "token will try again", e);
        }
    }

    /** The caller principal (a {@code JsonWebToken}) for a valid token, or empty. */
    public Optional<Principal> validate(String token) {
        CredentialValidationResult result = identityStores.validate(credential(token));
        if (result.getStatus() != CredentialValidationResult.Status.VALID) {
            return Optional.empty();
        }
        return Optional.ofNullable(result.getCallerPrincipal());
    }

    private Credential credential(String token) {
        try {
            Constructor<?> constructor = credentialType;
            if (constructor == null) {
                constructor = Class.forName(PAYARA_JWT_CREDENTIAL, true, getClass().getClassLoader())
                        .getConstructor(String.class);
                credentialType = constructor;
            }
            return (Credential) constructor.newInstance(token);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this server has no MicroProfile JWT credential type "
                    + PAYARA_JWT_CREDENTIAL + " (wshub needs Payara 6)", e);
        }
    }
}
