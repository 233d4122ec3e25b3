package io.wshub.cluster;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.net.URI;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's pooled Redis connections for commands, shared by the bus and the directory, and whether Redis is
 * reachable. Reachability is decided by the bus's subscriber connection, which notices a lost Redis first and
 * reconnects; while it is down, commands fail fast instead of waiting for a timeout each.
 * <p>
 * Failures are told apart: a connection failure (refused, reset, timed out, no pooled connection) is
 * {@link ClusterUnavailableException} (1007 / 503, retry later); an error reply is a bug ({@link
 * ClusterFailureException}, 1003 / 500), logged with its stack and counted.
 */
public final class RedisConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisConnection.class.getName());

    /** Counts what Redis got wrong; the cluster does not know the metrics API. */
    public interface Failures {
        void bug(String what, Throwable cause);
    }

    private final URI uri;
    private final int timeoutMillis;
    private final JedisPooled commands;
    private final Failures failures;
    private volatile boolean up;
    private volatile String downReason = "not connected yet";

    public RedisConnection(URI uri, int poolSize, int timeoutMillis, Failures failures) {
        this.uri = uri;
        this.timeoutMillis = timeoutMillis;
        this.failures = failures;
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(0);
        pool.setJmxEnabled(false);
        pool.setMaxWait(Duration.ofMillis(timeoutMillis));
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));
        this.commands = new JedisPooled(pool, uri, timeoutMillis);
    }

    /**
     * Runs commands on a pooled connection. {@link ClusterUnavailableException} when Redis cannot be reached,
     * {@link ClusterFailureException} when it answered with an error.
     *
     * @param what what the commands do, for the log
     */
    public <T> T call(String what, Function<JedisPooled, T> commands) {
        if (!up) {
            throw new ClusterUnavailableException(downReason);
        }
        try {
            return commands.apply(this.commands);
        } catch (JedisDataException | ClassCastException | NullPointerException | NumberFormatException
                 | IndexOutOfBoundsException e) {
            LOG.log(Level.SEVERE, "Redis failed on " + what + ": " + e.getMessage(), e);
            failures.bug(what, e);
            throw new ClusterFailureException(what);
        } catch (JedisConnectionException e) {
            throw new ClusterUnavailableException("Redis: " + e.getMessage());
        } catch (JedisException e) {
            // no pooled connection within the timeout, and the like: Redis is too slow or away
            throw new ClusterUnavailableException("Redis: " + e.getMessage());
        }
    }

    public URI uri() {
        return uri;
    }

    public int timeoutMillis() {
        return timeoutMillis;
    }

    public boolean isUp() {
        return up;
    }

    public String downReason() {
        return downReason;
    }

    /**
     * Redis is reachable again. The pooled connections predate the outage and may point at a Redis that has since
     * restarted: they are dropped, or the first commands after a restart would fail on them.
     */
    void up() {
        if (!up) {
            commands.getPool().clear();
        }
        up = true;
    }

    void down(String reason) {
        downReason = reason;
        up = false;
    }

    @Override
    public void close() {
        up = false;
        downReason = "stopped";
        commands.close();
    }
}
