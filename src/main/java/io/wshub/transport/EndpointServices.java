package io.wshub.transport;

import io.wshub.auth.AuthConfig;
import io.wshub.auth.Identities;
import io.wshub.hub.Admission;
import io.wshub.hub.HubConfig;
import io.wshub.observability.HubMetrics;
import io.wshub.routing.Dispatcher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.inject.Inject;

import java.util.function.Supplier;

/**
 * What a WebSocket endpoint instance needs, looked up once: the endpoints are plain objects made by
 * {@link EndpointConfigurator}, because Tyrus makes every CDI endpoint instance under one container-wide lock, which
 * serialized connects (docs/benchmarks.md). The fields are the beans' client proxies.
 */
@ApplicationScoped
public class EndpointServices {

    private static volatile EndpointServices current;

    @Inject
    Admission admission;
    @Inject
    HubConfig config;
    @Inject
    Dispatcher dispatcher;
    @Inject
    TyrusIdleTimerFix tyrusFix;
    @Inject
    TyrusRawFrames rawFrames;
    @Inject
    GrizzlyDirectWrites directWrites;
    @Inject
    UpgradeRequestTrim requestTrim;
    @Inject
    InPlaceReads inPlaceReads;
    @Inject
    GrizzlyDirectReads directReads;
    @Inject
    LingeringClose lingeringClose;
    @Inject
    AuthConfig authConfig;
    @Inject
    Identities identities;
    @Inject
    HubMetrics metrics;

    /** Publishes the instance itself (not a client proxy, whose fields would be empty). */
    void publish(@Observes @Initialized(ApplicationScoped.class) Object started) {
        current = this;
    }

    /** Wrapped: Weld's client proxy hands back itself in place of a returned {@code this}. */
    Supplier<EndpointServices> instance() {
        return () -> this;
    }

    /** The published services; looked up through CDI if a connection came before the application said it started. */
    static EndpointServices current() {
        EndpointServices services = current;
        if (services == null) {
            services = CDI.current().select(EndpointServices.class).get().instance().get();
            current = services;
        }
        return services;
    }
}
