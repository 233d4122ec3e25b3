package io.wshub.presence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The {@code wshub.presence.*} limits (README, configuration table). */
@ApplicationScoped
public class PresenceConfig {

    /** User ids one {@code user_status}, {@code watch_users} or {@code unwatch_users} may name. */
    public static final int MAX_IDS_PER_REQUEST = 100;
    /** The longest user id a presence request may name. */
    public static final int MAX_USER_ID_LENGTH = 256;

    @Inject
    @ConfigProperty(name = "wshub.presence.max-list", defaultValue = "1000")
    int maxList;

    @Inject
    @ConfigProperty(name = "wshub.presence.max-watched", defaultValue = "1000")
    int maxWatched;

    /** Members a {@code presence} answer lists at most. */
    public int maxList() {
        return Math.max(1, maxList);
    }

    /** Users one connection may watch at most. */
    public int maxWatched() {
        return Math.max(1, maxWatched);
    }
}
