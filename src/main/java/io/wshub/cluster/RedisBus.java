package io.wshub.cluster;

import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisURIHelper;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bus over Redis pub/sub. One subscriber connection and one thread per node, whatever the number of clients:
 * channels {@code p:ch:node:<id>} (unicast and control), {@code p:ch:all} (broadcast) and {@code p:ch:room:<id>} for
 * each room with local members. Publishing uses the pooled command connections.
 * <p>
 * When the subscriber connection breaks, the bus reports itself down, reconnects with capped exponential backoff,
 * subscribes again to every channel it needs in one command and tells the node to re-register its state.
 */
public final class RedisBus implements Bus {

    private static final Logger LOG = Logger.getLogger(RedisBus.class.getName());
    static final long MIN_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 5000;

    private final RedisConnection redis;
    private final String nodeId;
    private final String prefix;
    private final byte[] nodeChannel;
    private final byte[] allChannel;
    private final ThreadFactory threadFactory;
    private final BusMetrics metrics;
    private final int readTimeoutMillis;

    /** Room ids this node needs; guarded by {@code lock}, like every write to the subscriber connection. */
    private final Set<String> rooms = new HashSet<>();
    private final Object lock = new Object();
    private final Map<String, CompletableFuture<Void>> pendingSubscriptions = new ConcurrentHashMap<>();
    private Listener active;
    private Jedis subscriberConnection;
    private volatile boolean running;
    private Thread thread;
    private Consumer<Envelope> receiver;
    private Runnable connected;

    /** Counts and times for the hub's metrics; the bus does not know the metrics API. */
    public interface BusMetrics {
        void published(long nanos);

        void publishFailed();

        void received(long lagMillis);

        void reconnected();
    }

    public RedisBus(RedisConnection redis, String prefix, String nodeId, ThreadFactory threadFactory,
                    BusMetrics metrics, long heartbeatMillis) {
        this.redis = redis;
        this.prefix = prefix;
        this.nodeId = nodeId;
        this.nodeChannel = channel("node:" + nodeId);
        this.allChannel = channel("all");
        this.threadFactory = threadFactory;
        this.metrics = metrics;
        // The heartbeat pings the subscriber; a connection silent for three heartbeats is dead even without a reset.
        this.readTimeoutMillis = (int) Math.max(10_000, 3 * heartbeatMillis);
    }

    private byte[] channel(String name) {
        return (prefix + ":ch:" + name).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] roomChannel(String roomId) {
        return channel("room:" + roomId);
    }

    @Override
    public void start(Consumer<Envelope> receiver, Runnable connected) {
        this.receiver = receiver;
        this.connected = connected;
        running = true;
        thread = threadFactory.newThread(this::run);
        thread.setName("wshub-redis-subscriber");
        thread.start();
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        boolean first = true;
        while (running) {
            try (Jedis jedis = new Jedis(redis.uri(), DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(redis.timeoutMillis()).socketTimeoutMillis(readTimeoutMillis)
                    .user(JedisURIHelper.getUser(redis.uri())).password(JedisURIHelper.getPassword(redis.uri()))
                    .database(JedisURIHelper.getDBIndex(redis.uri())).ssl(JedisURIHelper.isRedisSSLScheme(redis.uri()))
                    .clientName("wshub-sub-" + nodeId).build())) {
                Listener listener = new Listener(first);
                byte[][] channels;
                synchronized (lock) {
                    subscriberConnection = jedis;
                    channels = channels(rooms);
                    listener.initial = Set.copyOf(rooms);
                }
                jedis.subscribe(listener, channels);
                // returns only when every channel was unsubscribed: on stop
            } catch (Exception e) {
                if (running) {
                    // one WARNING per outage; the retries are FINE
                    Level level = redis.isUp() || first && backoff == MIN_BACKOFF_MILLIS ? Level.WARNING : Level.FINE;
                    redis.down(describe(e));
                    LOG.log(level, "Redis at {0} unreachable: {1}; retrying with backoff up to {2} ms",
                            new Object[]{redis.uri().getHost() + ":" + redis.uri().getPort(), describe(e),
                                    MAX_BACKOFF_MILLIS});
                }
            } finally {
                synchronized (lock) {
                    active = null;
                    subscriberConnection = null;
                }
                pendingSubscriptions.values().forEach(pending -> pending.complete(null));
                pendingSubscriptions.clear();
            }
            if (!running) {
                break;
            }
            first = false;
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
        redis.down("stopped");
    }

    private byte[][] channels(Set<String> roomIds) {
        byte[][] channels = new byte[roomIds.size() + 2][];
        channels[0] = nodeChannel;
        channels[1] = allChannel;
        int i = 2;
        for (String roomId : roomIds) {
            channels[i++] = roomChannel(roomId);
        }
        return channels;
    }

    private static String describe(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + cause.getMessage() + ")";
    }

    private void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private final class Listener extends BinaryJedisPubSub {
        private final boolean first;
        Set<String> initial = Set.of();
        private boolean announced;

        Listener(boolean first) {
            this.first = first;
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (!announced) {
                announced = true;
                synchronized (lock) {
                    active = this;
                    // rooms wanted while the initial subscribe was on its way
                    Set<String> missed = new HashSet<>(rooms);
                    missed.removeAll(initial);
                    if (!missed.isEmpty()) {
                        subscribe(missed.stream().map(RedisBus.this::roomChannel).toArray(byte[][]::new));
                    }
                }
                redis.up();
                if (!first) {
                    metrics.reconnected();
                    LOG.info("Redis subscriber reconnected; re-registering this node's state");
                }
                connected.run();
            }
            String name = new String(channel, StandardCharsets.UTF_8);
            CompletableFuture<Void> pending = pendingSubscriptions.remove(name);
            if (pending != null) {
                pending.complete(null);
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            Envelope envelope;
            try {
                envelope = Envelope.decode(message);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "dropped a malformed bus message on " + new String(channel,
                        StandardCharsets.UTF_8), e);
                return;
            }
            if (nodeId.equals(envelope.origin())) {
                return; // the origin delivered locally already
            }
            metrics.received(System.currentTimeMillis() - envelope.sentAt());
            try {
                receiver.accept(envelope);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "handling a " + envelope.kind() + " from " + envelope.origin() + " failed", e);
            }
        }
    }

    @Override
    public void publishToRoom(String roomId, Envelope envelope) {
        publish(roomChannel(roomId), envelope);
    }

    @Override
    public void publishToNode(String nodeId, Envelope envelope) {
        publish(channel("node:" + nodeId), envelope);
    }

    @Override
    public void publishToAll(Envelope envelope) {
        publish(allChannel, envelope);
    }

    /** Fails fast while Redis is down: the caller's local delivery has happened, the rest is counted as lost. */
    private void publish(byte[] channel, Envelope envelope) {
        long started = System.nanoTime();
        byte[] encoded = envelope.encode(System.currentTimeMillis());
        try {
            redis.call(jedis -> jedis.publish(channel, encoded));
            metrics.published(System.nanoTime() - started);
        } catch (ClusterUnavailableException e) {
            metrics.publishFailed();
            throw e;
        }
    }

    @Override
    public CompletableFuture<Void> subscribe(String roomId) {
        synchronized (lock) {
            if (!rooms.add(roomId)) {
                return CompletableFuture.completedFuture(null);
            }
            if (active == null) {
                return CompletableFuture.completedFuture(null); // sent with the (re)connection's subscribe
            }
            byte[] channel = roomChannel(roomId);
            CompletableFuture<Void> confirmed = pendingSubscriptions.computeIfAbsent(
                    new String(channel, StandardCharsets.UTF_8), name -> new CompletableFuture<>());
            try {
                active.subscribe(channel);
            } catch (RuntimeException e) {
                confirmed.complete(null); // the connection broke; the reconnection subscribes again
            }
            return confirmed;
        }
    }

    @Override
    public void unsubscribe(String roomId) {
        synchronized (lock) {
            if (rooms.remove(roomId) && active != null) {
                try {
                    active.unsubscribe(roomChannel(roomId));
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "unsubscribe failed; the reconnection will not subscribe again", e);
                }
            }
        }
    }

    /** Keeps a quiet subscriber connection busy enough that its read timeout only fires on a dead one. */
    @Override
    public void keepAlive() {
        synchronized (lock) {
            if (active != null) {
                try {
                    active.ping();
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "ping on the subscriber connection failed", e);
                }
            }
        }
    }

    @Override
    public Status status() {
        return new Status(redis.isUp(), "redis", redis.isUp() ? "connected" : redis.downReason());
    }

    @Override
    public void stop() {
        running = false;
        synchronized (lock) {
            if (active != null) {
                try {
                    active.unsubscribe();
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "unsubscribe on stop failed", e);
                }
            }
            if (subscriberConnection != null) {
                subscriberConnection.disconnect();
            }
        }
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        redis.close();
    }
}
