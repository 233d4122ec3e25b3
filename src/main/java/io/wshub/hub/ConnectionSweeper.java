package io.wshub.hub;

import io.wshub.protocol.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Liveness, on the hub's timer thread: pings every connection each {@code wshub.ping-interval}, closes those silent for
 * longer than {@code wshub.idle-timeout}, those whose token expired or that did not log in in time, and those whose
 * frame in flight has not been taken for {@link #STALLED_SEND_MILLIS} (a peer that reads nothing, or a transport that
 * never reported back: no queue stays stuck). One sweep over all connections replaces a timer per connection.
 */
@ApplicationScoped
public class ConnectionSweeper {

    /** Close code for a connection whose token expired or that did not log in in time. */
    public static final int AUTH_CLOSE_CODE = 4001;
    /** A frame in flight this long (or the idle timeout, if longer) closes the connection as a slow consumer. */
    static final long STALLED_SEND_MILLIS = 30_000;
    private static final Logger LOG = Logger.getLogger(ConnectionSweeper.class.getName());

    @Inject
    Hub hub;
    @Inject
    HubConfig config;
    @Inject
    HubScheduler scheduler;

    private ScheduledFuture<?> task;
    private volatile long lastSweep;

    public void start() {
        long period = sweepPeriodMillis();
        task = scheduler.executor().scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    void sweep() {
        try {
            long now = System.currentTimeMillis();
            long idleTimeout = config.idleTimeoutMillis();
            long stalled = Math.max(STALLED_SEND_MILLIS, idleTimeout);
            long pingInterval = config.pingIntervalMillis();
            for (Connection connection : hub.connections()) {
                long expiresAt = connection.identity().expiresAt();
                long loginDeadline = connection.loginDeadline();
                long inFlightSince = connection.inFlightSince();
                if (idleTimeout > 0 && now - connection.lastSeen() > idleTimeout) {
                    connection.close(CloseReason.CloseCodes.GOING_AWAY.getCode(), "idle timeout");
                } else if (inFlightSince > 0 && now - inFlightSince > stalled) {
                    hub.slowConsumer(connection);
                } else if (expiresAt > 0 && now >= expiresAt) {
                    hub.refuse(connection, ErrorCode.TOKEN_EXPIRED, "the token expired; refresh it before it does",
                            AUTH_CLOSE_CODE, "token expired");
                } else if (loginDeadline > 0 && now >= loginDeadline) {
                    hub.refuse(connection, ErrorCode.UNAUTHORIZED, "no login within the login timeout",
                            AUTH_CLOSE_CODE, "login required");
                } else if (pingInterval > 0) {
                    connection.ping(now, pingInterval);
                }
            }
            lastSweep = now;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "liveness sweep failed", e);
        }
    }

    /** Wall-clock time of the last completed sweep: the liveness check watches it. */
    public long lastSweep() {
        return lastSweep;
    }

    /** A quarter of the shortest enabled interval, between 100 ms and 1 s. */
    public long sweepPeriodMillis() {
        long smallest = Long.MAX_VALUE;
        for (long interval : new long[]{config.pingIntervalMillis(), config.idleTimeoutMillis()}) {
            if (interval > 0) {
                smallest = Math.min(smallest, interval);
            }
        }
        return Math.max(100, Math.min(1000, smallest / 4));
    }

    public void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
