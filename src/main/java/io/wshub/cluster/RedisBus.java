package io.wshub.cluster;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisURIHelper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bus over Redis pub/sub: channels {@code p:ch:node:<id>} (unicast and control), {@code p:ch:all} (broadcast) and
 * {@code p:ch:room:<id>} for each room the node wants.
 * <p>
 * Threads, each with one job, and no lock held over I/O: the subscriber thread reads the node's one subscriber
 * connection and hands envelopes to the node; the subscription thread is the only one that writes to that connection
 * (SUBSCRIBE, UNSUBSCRIBE, PING), one change at a time, asking the node whether it still wants a room when it gets to
 * it; the publisher thread drains a bounded queue and writes what it holds as one pipeline on a pooled connection,
 * so a publish never waits for Redis and one thread's publishes stay in order.
 * <p>
 * When the subscriber connection breaks, the bus reports itself down, reconnects with capped exponential backoff,
 * subscribes again to every channel it needs in one command and tells the node to register its state again.
 */
public final class RedisBus implements Bus {

    private static final Logger LOG = Logger.getLogger(RedisBus.class.getName());
    static final long MIN_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 5000;
    /** Messages waiting for the publisher; beyond it a publish fails at once (Redis cannot keep up). */
    static final int MAX_QUEUED_PUBLISHES = 65_536;
    /** Messages written per pipeline. */
    static final int PUBLISH_BATCH = 512;

    private final RedisConnection redis;
    private final String nodeId;
    private final String prefix;
    private final byte[] nodeChannel;
    private final byte[] allChannel;
    private final ThreadFactory threadFactory;
    private final BusMetrics metrics;
    private final int readTimeoutMillis;

    /** Subscription state per room; each is guarded by its own monitor, never over I/O. */
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    /** Lock-free: publishing is on the per-message path. Bounded by {@code queued}. */
    private final ConcurrentLinkedQueue<Publish> publishes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean publisherParked;
    private volatile Listener active;
    private volatile Jedis subscriberConnection;
    private volatile boolean running;
    private Thread subscriber;
    private Thread publisher;
    private ExecutorService subscriptions;
    private Consumer<Envelope> receiver;
    private Interest interest;
    private Runnable connected;

    /** Counts and times for the hub's metrics; the bus does not know the metrics API. */
    public interface BusMetrics {
        void published(long nanos);

        void publishFailed();

        void received(long lagMillis);

        void reconnected();
    }

    private record Publish(byte[] channel, Envelope envelope, long queuedAt) {
    }

    /** What the subscription thread asked for a room, and who waits for it to be in effect. */
    private static final class Channel {
        boolean requested;
        boolean confirmed;
        final List<CompletableFuture<Void>> waiting = new ArrayList<>(1);
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
        return roomChannel(prefix, roomId).getBytes(StandardCharsets.UTF_8);
    }

    /** A room's channel; the history's append script publishes there too. */
    static String roomChannel(String prefix, String roomId) {
        return prefix + ":ch:room:" + roomId;
    }

    private String roomOf(byte[] channel) {
        String name = new String(channel, StandardCharsets.UTF_8);
        String room = prefix + ":ch:room:";
        return name.startsWith(room) ? name.substring(room.length()) : null;
    }

    @Override
    public void start(Consumer<Envelope> receiver, Interest interest, Runnable connected) {
        this.receiver = receiver;
        this.interest = interest;
        this.connected = connected;
        running = true;
        subscriptions = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread thread = threadFactory.newThread(task);
            thread.setName("wshub-redis-subscriptions");
            thread.setDaemon(true);
            return thread;
        });
        subscriber = threadFactory.newThread(this::subscribe);
        subscriber.setName("wshub-redis-subscriber");
        subscriber.start();
        publisher = threadFactory.newThread(this::publishLoop);
        publisher.setName("wshub-redis-publisher");
        publisher.start();
    }

    // receiving

    private void subscribe() {
        long backoff = MIN_BACKOFF_MILLIS;
        boolean first = true;
        while (running) {
            try (Jedis jedis = new Jedis(redis.uri(), DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(redis.timeoutMillis()).socketTimeoutMillis(readTimeoutMillis)
                    .user(JedisURIHelper.getUser(redis.uri())).password(JedisURIHelper.getPassword(redis.uri()))
                    .database(JedisURIHelper.getDBIndex(redis.uri())).ssl(JedisURIHelper.isRedisSSLScheme(redis.uri()))
                    .clientName("wshub-sub-" + nodeId).build())) {
                subscriberConnection = jedis;
                List<byte[]> wanted = new ArrayList<>(List.of(nodeChannel, allChannel));
                for (String roomId : Set.copyOf(interest.rooms())) {
                    Channel channel = channels.computeIfAbsent(roomId, id -> new Channel());
                    synchronized (channel) {
                        channel.requested = true;
                        channel.confirmed = false;
                    }
                    wanted.add(roomChannel(roomId));
                }
                jedis.subscribe(new Listener(first), wanted.toArray(byte[][]::new));
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
                active = null;
                subscriberConnection = null;
                releaseWaiting();
            }
            if (!running) {
                break;
            }
            first = false;
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    /** Without a connection nothing is subscribed: whoever waits goes on; the reconnection subscribes again. */
    private void releaseWaiting() {
        for (Channel channel : channels.values()) {
            List<CompletableFuture<Void>> released;
            synchronized (channel) {
                channel.requested = false;
                channel.confirmed = false;
                released = List.copyOf(channel.waiting);
                channel.waiting.clear();
            }
            released.forEach(waiter -> waiter.complete(null));
        }
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
        private boolean announced;

        Listener(boolean first) {
            this.first = first;
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (!announced) {
                announced = true;
                active = this;
                redis.up();
                if (!first) {
                    metrics.reconnected();
                    LOG.info("Redis subscriber reconnected; registering this node's state again");
                }
                // rooms whose wish changed while the initial subscribe was on its way
                Set<String> rooms = new HashSet<>(interest.rooms());
                rooms.addAll(channels.keySet());
                rooms.forEach(RedisBus.this::reconcileLater);
                connected.run();
            }
            String roomId = roomOf(channel);
            Channel state = roomId == null ? null : channels.get(roomId);
            if (state != null) {
                List<CompletableFuture<Void>> released = List.of();
                synchronized (state) {
                    if (state.requested) {
                        state.confirmed = true;
                        released = List.copyOf(state.waiting);
                        state.waiting.clear();
                    }
                }
                released.forEach(waiter -> waiter.complete(null));
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
            if (nodeId.equals(envelope.origin()) && envelope.offset() == 0) {
                return; // the origin delivered locally already; a message with history comes back in offset order
            }
            metrics.received(System.currentTimeMillis() - envelope.sentAt());
            try {
                receiver.accept(envelope);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "handling a " + envelope.kind() + " from " + envelope.origin() + " failed", e);
            }
        }
    }

    // subscriptions

    @Override
    public CompletableFuture<Void> interestChanged(String roomId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel channel = channels.computeIfAbsent(roomId, id -> new Channel());
        synchronized (channel) {
            channel.waiting.add(done);
        }
        if (!reconcileLater(roomId)) {
            done.complete(null);
        }
        return done;
    }

    private boolean reconcileLater(String roomId) {
        try {
            subscriptions.execute(() -> reconcile(roomId));
            return true;
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            return false;
        }
    }

    /** On the subscription thread: makes the room's subscription match the node's wish, as it is now. */
    private void reconcile(String roomId) {
        Channel channel = channels.computeIfAbsent(roomId, id -> new Channel());
        boolean want = interest.wants(roomId);
        Listener connection = active;
        boolean subscribe = false;
        boolean unsubscribe = false;
        List<CompletableFuture<Void>> released = List.of();
        synchronized (channel) {
            if (connection == null) {
                channel.requested = false; // the (re)connection subscribes to every wanted room
            } else if (want && !channel.requested) {
                channel.requested = true;
                channel.confirmed = false;
                subscribe = true;
            } else if (!want && channel.requested) {
                channel.requested = false;
                channel.confirmed = false;
                unsubscribe = true;
            }
            if (connection == null || !want || channel.confirmed) {
                released = List.copyOf(channel.waiting);
                channel.waiting.clear();
            }
            if (!want && !channel.requested && channel.waiting.isEmpty()) {
                channels.remove(roomId, channel);
            }
        }
        released.forEach(waiter -> waiter.complete(null));
        try {
            if (subscribe) {
                connection.subscribe(roomChannel(roomId));
            } else if (unsubscribe) {
                connection.unsubscribe(roomChannel(roomId));
            }
        } catch (RuntimeException e) {
            // the connection broke: the reconnection subscribes to every wanted room again
            LOG.log(Level.FINE, "(un)subscribing room " + roomId + " failed", e);
        }
    }

    /** Keeps a quiet subscriber connection busy enough that its read timeout only fires on a dead one. */
    @Override
    public void keepAlive() {
        try {
            subscriptions.execute(() -> {
                Listener connection = active;
                if (connection != null) {
                    try {
                        connection.ping();
                    } catch (RuntimeException e) {
                        LOG.log(Level.FINE, "ping on the subscriber connection failed", e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopping
        }
    }

    // publishing

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

    /** Queues; fails fast while Redis is down or the queue is full (the caller's local delivery has happened). */
    private void publish(byte[] channel, Envelope envelope) {
        if (!redis.isUp()) {
            metrics.publishFailed();
            throw new ClusterUnavailableException(redis.downReason());
        }
        if (queued.incrementAndGet() > MAX_QUEUED_PUBLISHES) {
            queued.decrementAndGet();
            metrics.publishFailed();
            throw new ClusterUnavailableException("Redis cannot keep up: " + MAX_QUEUED_PUBLISHES
                    + " messages wait to be published");
        }
        publishes.offer(new Publish(channel, envelope, System.nanoTime()));
        if (publisherParked) {
            LockSupport.unpark(publisher);
        }
    }

    private void publishLoop() {
        List<Publish> batch = new ArrayList<>(PUBLISH_BATCH);
        while (running || !publishes.isEmpty()) {
            Publish next;
            while (batch.size() < PUBLISH_BATCH && (next = publishes.poll()) != null) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                publisherParked = true;
                if (publishes.isEmpty() && running) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
                publisherParked = false;
                continue;
            }
            queued.addAndGet(-batch.size());
            write(batch);
            batch.clear();
        }
    }

    private void write(List<Publish> batch) {
        try {
            redis.call("publishing", jedis -> {
                try (AbstractPipeline pipe = jedis.pipelined()) {
                    long sentAt = System.currentTimeMillis();
                    for (Publish publish : batch) {
                        pipe.publish(publish.channel(), publish.envelope().encode(sentAt));
                    }
                    pipe.sync();
                }
                return null;
            });
            long now = System.nanoTime();
            batch.forEach(publish -> metrics.published(now - publish.queuedAt()));
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "{0} messages not published: {1}", new Object[]{batch.size(), e.toString()});
            batch.forEach(publish -> metrics.publishFailed());
        }
    }

    @Override
    public Status status() {
        return new Status(redis.isUp(), "redis", redis.isUp() ? "connected" : redis.downReason());
    }

    /** Writes what is queued (for at most two seconds), then unsubscribes and stops every thread. */
    @Override
    public void stop() {
        running = false;
        if (publisher != null) {
            LockSupport.unpark(publisher);
        }
        join(publisher, 2000);
        if (subscriptions != null) {
            subscriptions.shutdown();
            try {
                subscriptions.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Listener connection = active;
        if (connection != null) {
            try {
                connection.unsubscribe();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "unsubscribe on stop failed", e);
            }
        }
        Jedis jedis = subscriberConnection;
        if (jedis != null) {
            jedis.disconnect();
        }
        if (subscriber != null) {
            subscriber.interrupt();
        }
        join(subscriber, 5000);
        releaseWaiting();
    }

    private static void join(Thread thread, long millis) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
