package io.wshub.cluster;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

import java.net.URI;
import java.util.function.Function;

/**
 * The node's pooled Redis connections for commands, shared by the bus and the directory, and whether Redis is
 * reachable. Reachability is decided by the bus's subscriber connection, which notices a lost Redis first and reconnects;
 * while it is down, commands fail fast instead of waiting for a timeout each.
 */
public final class RedisConnection implements AutoCloseable {

    private final URI uri;
    private final int timeoutMillis;
    private final JedisPooled commands;
    private volatile boolean up;
    private volatile String downReason = "not connected yet";

    public RedisConnection(URI uri, int poolSize, int timeoutMillis) {
        this.uri = uri;
        this.timeoutMillis = timeoutMillis;
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(0);
        pool.setJmxEnabled(false);
        pool.setMaxWait(java.time.Duration.ofMillis(timeoutMillis));
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(java.time.Duration.ofSeconds(30));
        this.commands = new JedisPooled(pool, uri, timeoutMillis);
    }

    /** Runs commands on a pooled connection; {@link ClusterUnavailableException} when Redis cannot be reached. */
    public <T> T call(Function<JedisPooled, T> commands) {
        if (!up) {
            throw new ClusterUnavailableException(downReason);
        }
        try {
            return commands.apply(this.commands);
        } catch (JedisException e) {
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
        commands.close();
    }
}
