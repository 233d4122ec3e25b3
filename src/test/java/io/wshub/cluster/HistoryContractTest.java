package io.wshub.cluster;

import io.wshub.cluster.History.Append;
import io.wshub.cluster.History.Appended;
import io.wshub.cluster.History.Entry;
import io.wshub.cluster.History.Page;
import io.wshub.it.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link History} engine guarantees, run against the memory one and against the Redis one with a real
 * redis-server: gapless offsets in hand-over order, the offset inside the data, a stable epoch that changes when the
 * stream is lost, bounded size, reads, idempotency.
 */
class HistoryContractTest {

    static RedisProcess server;
    static RedisConnection redis;
    static final AtomicInteger prefixes = new AtomicInteger();

    @BeforeAll
    static void startRedis() {
        server = new RedisProcess(Path.of("target", "history-test")).start();
        redis = new RedisConnection(java.net.URI.create(server.url()), 8, 2000, (what, cause) -> { });
        redis.up();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    /** The contract, for one engine; {@link #handedOver} yields what the engine handed to the nodes, in order. */
    abstract static class Contract {
        History history;
        final BlockingQueue<Envelope> handedOver = new LinkedBlockingQueue<>();

        abstract History create();

        abstract void loseEverything();

        @BeforeEach
        void start() throws Exception {
            history = create();
            history.start(handedOver::add);
        }

        Append message(String room, int size, String data, String key) {
            return new Append(room, size, 60, "node-a", "room_message", data, 1234L, "client-1", key);
        }

        Envelope next() throws InterruptedException {
            Envelope envelope = handedOver.poll(5, TimeUnit.SECONDS);
            assertNotNull(envelope, "a message was handed over");
            return envelope;
        }

        @Test
        void offsetsHaveNoGapAndTheHandOverFollowsThem() throws Exception {
            ExecutorService threads = Executors.newFixedThreadPool(4);
            CountDownLatch done = new CountDownLatch(400);
            for (int i = 0; i < 400; i++) {
                int n = i;
                threads.execute(() -> {
                    history.append(message("r", 1000, "{\"n\":" + n + "}", null));
                    done.countDown();
                });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            threads.shutdown();
            for (long expected = 1; expected <= 400; expected++) {
                Envelope envelope = next();
                assertEquals(expected, envelope.offset(), "handed over in offset order");
                assertTrue(envelope.data().endsWith(",\"offset\":" + expected + "}"), envelope.data());
                assertEquals("client-1", envelope.except());
                assertEquals("r", envelope.target());
                assertEquals(Envelope.Kind.ROOM_MESSAGE, envelope.kind());
            }
            Page all = history.read("r", 0, 1000);
            assertEquals(400, all.entries().size());
            for (int i = 0; i < 400; i++) {
                assertEquals(i + 1, all.entries().get(i).offset());
            }
        }

        @Test
        void theEpochHoldsUntilTheStreamIsLost() throws Exception {
            String epoch = history.position("e", 60).epoch();
            assertEquals(0, history.position("e", 60).offset());
            Appended first = history.append(message("e", 10, "{}", null));
            assertEquals(new Appended(1, epoch, false), first);
            assertEquals("{\"offset\":1}", next().data(), "an empty object gets the offset alone");
            assertEquals(epoch, history.position("e", 60).epoch());
            history.forget("e");
            String after = history.position("e", 60).epoch();
            assertNotEquals(epoch, after, "a deleted room's stream starts a new epoch");
            history.append(message("e", 10, "{}", null));
            loseEverything();
            Appended again = history.append(message("e", 10, "{}", null));
            assertEquals(1, again.offset(), "a lost stream counts from 1 again");
            assertNotEquals(after, again.epoch());
        }

        @Test
        void aRoomKeepsItsLatestMessagesAndReadsThemBothWays() {
            for (int i = 1; i <= 12; i++) {
                history.append(message("k", 5, "{\"i\":" + i + "}", null));
            }
            Page newest = history.read("k", -1, 3);
            assertEquals(List.of(10L, 11L, 12L), offsets(newest.entries()));
            assertEquals(8, newest.oldest(), "five kept: 8..12");
            assertTrue(newest.leftOut(-1));
            Page since = history.read("k", 9, 100);
            assertEquals(List.of(10L, 11L, 12L), offsets(since.entries()));
            assertFalse(since.leftOut(9));
            assertEquals("{\"i\":10,\"offset\":10}", since.entries().get(0).data());
            assertEquals(1234L, since.entries().get(0).timestamp());
            assertEquals("room_message", since.entries().get(0).type());
            assertTrue(history.read("k", 2, 2).leftOut(2));
            assertEquals(List.of(8L, 9L), offsets(history.read("k", 2, 2).entries()), "trimmed ones are gone");
            assertEquals(12, history.read("k", 12, 10).position().offset());
            assertTrue(history.read("nothing", -1, 10).entries().isEmpty());
        }

        @Test
        void anIdempotencyKeyPublishesOnce() throws Exception {
            Appended first = history.append(message("i", 10, "{\"a\":1}", "key-1"));
            Appended repeat = history.append(message("i", 10, "{\"a\":1}", "key-1"));
            assertEquals(first.offset(), repeat.offset());
            assertFalse(first.duplicate());
            assertTrue(repeat.duplicate());
            assertEquals(1, next().offset());
            assertEquals(null, handedOver.poll(300, TimeUnit.MILLISECONDS), "the repeat is not handed over");
            assertEquals(2, history.append(message("i", 10, "{}", "key-2")).offset());
            assertEquals(2, history.append(message("other", 10, "{}", "key-2")).offset() + 1,
                    "keys are per room");
            assertTrue(history.claim("plain", "k"));
            assertFalse(history.claim("plain", "k"));
            assertTrue(history.claim("plain2", "k"));
            assertTrue(history.claim("a:b", "c"));
            assertTrue(history.claim("a", "b:c"), "no room and key pair reads as another");
        }

        static List<Long> offsets(List<Entry> entries) {
            return entries.stream().map(Entry::offset).toList();
        }
    }

    @Nested
    class Memory extends Contract {
        MemoryHistory memory;

        @Override
        History create() {
            memory = new MemoryHistory();
            return memory;
        }

        @Override
        void loseEverything() {
            memory.forget("e");
        }
    }

    @Nested
    class Redis extends Contract {
        String prefix;
        Jedis subscriber;
        Thread listening;
        BinaryJedisPubSub pubSub;

        @Override
        History create() {
            prefix = "h" + prefixes.incrementAndGet();
            return new RedisHistory(redis, prefix);
        }

        @BeforeEach
        void subscribe() throws Exception {
            subscriber = server.client();
            CountDownLatch subscribed = new CountDownLatch(1);
            pubSub = new BinaryJedisPubSub() {
                @Override
                public void onPSubscribe(byte[] pattern, int count) {
                    subscribed.countDown();
                }

                @Override
                public void onPMessage(byte[] pattern, byte[] channel, byte[] message) {
                    handedOver.add(Envelope.decode(message));
                }
            };
            listening = new Thread(() -> subscriber.psubscribe(pubSub,
                    (prefix + ":ch:room:*").getBytes(StandardCharsets.UTF_8)));
            listening.start();
            assertTrue(subscribed.await(5, TimeUnit.SECONDS));
        }

        @AfterEach
        void unsubscribe() throws Exception {
            pubSub.punsubscribe();
            listening.join(5000);
            subscriber.close();
        }

        @Override
        void loseEverything() {
            try (Jedis jedis = server.client()) {
                jedis.flushAll();
            }
        }
    }

    @Test
    void aHistoryExpiresItsTtlAfterItsLastMessageAndStartsANewEpoch() {
        long[] now = {1_000_000};
        MemoryHistory memory = new MemoryHistory(() -> now[0]);
        memory.append(new Append("t", 10, 60, "n", "room_message", "{}", 1L, null, null));
        String epoch = memory.position("t", 60).epoch();
        now[0] += 59_000;
        memory.append(new Append("t", 10, 60, "n", "room_message", "{}", 1L, null, null));
        now[0] += 59_000;
        assertEquals(new History.Position(epoch, 2), memory.position("t", 60), "each message renews the TTL");
        now[0] += 61_000;
        History.Position after = memory.position("t", 60);
        assertNotEquals(epoch, after.epoch(), "expired: a new epoch");
        assertEquals(0, after.offset());
        assertTrue(memory.read("t", 0, 10).entries().isEmpty());
    }

    @Test
    void offsetsAreAddedAsTheLastMemberOfTheData() {
        assertEquals("{\"a\":1,\"offset\":7}", History.withOffset("{\"a\":1}", 7));
        assertEquals("{\"offset\":7}", History.withOffset("{}", 7));
        assertEquals("{\"offset\":7}", History.withOffset(" { } ", 7));
    }

    @Test
    void anEnvelopePutTogetherAroundItsDataReadsAsTheWholeOne() {
        Envelope whole = Envelope.roomMessage("n", "room", "t", "{\"x\":\"é\"}", 5L, "c", 300L);
        byte[][] around = whole.encodeAround(9L);
        byte[] data = whole.data().getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer joined = java.nio.ByteBuffer.allocate(around[0].length + 4 + data.length
                + around[1].length + 8);
        joined.put(around[0]).putInt(data.length).put(data).put(around[1]).putLong(300L);
        assertEquals(Envelope.decode(whole.encode(9L)), Envelope.decode(joined.array()));
        assertEquals(new ArrayList<>(List.of("c")), new ArrayList<>(List.of(Envelope.decode(joined.array()).except())));
    }
}
