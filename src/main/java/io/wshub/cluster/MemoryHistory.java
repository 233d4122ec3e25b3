package io.wshub.cluster;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * History on one node: a bounded ring per room. The offset and the append happen under the room's lock, which also
 * puts the message in the hand-over queue; the queue is drained by one thread at a time, outside any lock, so the
 * receiver gets every room's messages in offset order without a lock held over a send.
 */
public final class MemoryHistory implements History {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();
    /** Idempotency keys by room and key; swept once a second at most. */
    private final ConcurrentHashMap<String, Used> keys = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Envelope> handOver = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final LongSupplier clock;
    private volatile Consumer<Envelope> receiver = envelope -> { };
    private long nextKeySweep;

    private record Used(long offset, long expiresAt) {
    }

    private static final class Stream {
        final String epoch = newEpoch();
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        long offset;
        long expiresAt;
    }

    public MemoryHistory() {
        this(System::currentTimeMillis);
    }

    /** With a clock, for tests of expiry. */
    public MemoryHistory(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void start(Consumer<Envelope> receiver) {
        this.receiver = receiver;
    }

    @Override
    public Appended append(Append message) {
        long now = clock.getAsLong();
        String key = message.idempotencyKey() == null ? null : keyOf(message.roomId(), message.idempotencyKey());
        Appended appended;
        while (true) {
            Stream stream = streams.computeIfAbsent(message.roomId(), id -> new Stream());
            synchronized (stream) {
                if (stream.expiresAt != 0 && stream.expiresAt <= now) {
                    streams.remove(message.roomId(), stream);
                    continue; // expired: a new stream, a new epoch
                }
                if (streams.get(message.roomId()) != stream) {
                    continue; // forgotten meanwhile
                }
                if (key != null) {
                    Used used = keys.get(key);
                    if (used != null && used.expiresAt() > now) {
                        return new Appended(used.offset(), stream.epoch, true);
                    }
                    keys.put(key, new Used(stream.offset + 1, now + IDEMPOTENCY_TTL_SECONDS * 1000L));
                }
                long offset = ++stream.offset;
                String data = History.withOffset(message.data(), offset);
                stream.entries.addLast(new Entry(offset, message.type(), data, message.timestamp()));
                while (stream.entries.size() > Math.max(1, message.size())) {
                    stream.entries.removeFirst();
                }
                stream.expiresAt = now + message.ttlSeconds() * 1000L;
                handOver.add(Envelope.roomMessage(message.origin(), message.roomId(), message.type(), data,
                        message.timestamp(), message.except(), offset));
                appended = new Appended(offset, stream.epoch, false);
            }
            break;
        }
        if (key != null) {
            sweepKeys(now);
        }
        drain();
        return appended;
    }

    /** Hands queued messages over in order; one thread at a time, the others leave their messages to it. */
    private void drain() {
        while (draining.compareAndSet(false, true)) {
            try {
                Envelope next;
                while ((next = handOver.poll()) != null) {
                    try {
                        receiver.accept(next);
                    } catch (RuntimeException e) {
                        java.util.logging.Logger.getLogger(MemoryHistory.class.getName()).log(
                                java.util.logging.Level.WARNING, "delivering a room message failed", e);
                    }
                }
            } finally {
                draining.set(false);
            }
            if (handOver.isEmpty()) {
                return;
            }
        }
    }

    @Override
    public boolean claim(String roomId, String idempotencyKey) {
        long now = clock.getAsLong();
        sweepKeys(now);
        boolean[] fresh = {false};
        keys.compute(keyOf(roomId, idempotencyKey), (k, used) -> {
            if (used != null && used.expiresAt() > now) {
                return used;
            }
            fresh[0] = true;
            return new Used(0, now + IDEMPOTENCY_TTL_SECONDS * 1000L);
        });
        return fresh[0];
    }

    /** The room's length first, so that no room and key pair reads as another. */
    private static String keyOf(String roomId, String key) {
        return roomId.length() + ":" + roomId + ":" + key;
    }

    private void sweepKeys(long now) {
        synchronized (keys) {
            if (now < nextKeySweep) {
                return;
            }
            nextKeySweep = now + 1000;
        }
        keys.values().removeIf(used -> used.expiresAt() <= now);
    }

    @Override
    public Position position(String roomId, int ttlSeconds) {
        long now = clock.getAsLong();
        while (true) {
            Stream stream = streams.computeIfAbsent(roomId, id -> new Stream());
            synchronized (stream) {
                if (stream.expiresAt != 0 && stream.expiresAt <= now) {
                    streams.remove(roomId, stream);
                    continue;
                }
                if (streams.get(roomId) != stream) {
                    continue;
                }
                if (stream.expiresAt == 0 || stream.offset == 0) {
                    stream.expiresAt = now + ttlSeconds * 1000L; // an epoch nobody wrote to lives as long as history
                }
                return new Position(stream.epoch, stream.offset);
            }
        }
    }

    @Override
    public Page read(String roomId, long after, int limit) {
        Stream stream = live(roomId, clock.getAsLong());
        if (stream == null) {
            return new Page(new Position(null, 0), 0, List.of());
        }
        synchronized (stream) {
            List<Entry> all = new ArrayList<>(stream.entries);
            long oldest = all.isEmpty() ? 0 : all.get(0).offset();
            List<Entry> picked;
            if (after < 0) {
                picked = all.subList(Math.max(0, all.size() - limit), all.size());
            } else {
                picked = all.stream().filter(e -> e.offset() > after).limit(limit).toList();
            }
            return new Page(new Position(stream.epoch, stream.offset), oldest, List.copyOf(picked));
        }
    }

    @Override
    public void forget(String roomId) {
        streams.remove(roomId);
    }

    private Stream live(String roomId, long now) {
        Stream stream = streams.get(roomId);
        if (stream == null) {
            return null;
        }
        synchronized (stream) {
            if (stream.expiresAt != 0 && stream.expiresAt <= now) {
                streams.remove(roomId, stream);
                return null;
            }
            return stream;
        }
    }

    static String newEpoch() {
        byte[] bytes = new byte[9];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
