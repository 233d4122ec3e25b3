package io.wshub.room;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.JoinOutcome;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.cluster.MemoryDirectory;
import io.wshub.cluster.MemoryPresence;
import io.wshub.hub.Connection;
import io.wshub.hub.Delivery;
import io.wshub.hub.TestHost;
import io.wshub.hub.TestOutlet;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Four threads delete and re-create rooms, join, kick and publish for 30 s (-Dwshub.stress.seconds) while a quarter
 * of the members are deliberately slow consumers that overflow and are closed in the middle of fan-outs and
 * deletions: the room bookkeeping, the send queues and the directory must end with no thread deadlocked or stuck and
 * every count back to zero.
 */
class RoomsStressTest {

    static final int THREADS = 4;
    static final int SLOTS = 48;
    static final List<String> ROOMS = List.of("r0", "r1", "r2", "r3", "r4", "r5");

    private final MemoryDirectory directory = new MemoryDirectory("stress-node");
    private final LocalRooms rooms = new LocalRooms(roomId -> CompletableFuture.completedFuture(null));
    private final TestHost host = new TestHost(8, 64_000).onDeparture(connection -> {
        rooms.forget(connection);
        directory.removeClient(record(connection));
    });
    private final List<Connection> everyConnection = new ArrayList<>();
    private final List<TestOutlet> slowOutlets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicReferenceArray<Connection> slots = new AtomicReferenceArray<>(SLOTS);
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger operations = new AtomicInteger();

    private static ClientRecord record(Connection connection) {
        return new ClientRecord(connection.id(), connection.userId(), null, false, "stress-node",
                connection.connectedAt());
    }

    private synchronized Connection newConnection(int slot) {
        boolean slow = slot % 4 == 0;
        TestOutlet outlet = new TestOutlet(slow ? TestOutlet.Mode.MANUAL : TestOutlet.Mode.INLINE);
        if (slow) {
            slowOutlets.add(outlet);
        }
        Connection connection = new Connection("c" + ids.incrementAndGet(), ClientIdentity.anonymous(
                "guest-" + slot, null, Permissions.parse(List.of("*:*"))), outlet, GoHubCodec.INSTANCE, host);
        directory.addClient(record(connection), 0);
        everyConnection.add(connection);
        return connection;
    }

    private Connection live(int slot) {
        Connection current = slots.get(slot);
        if (current == null || !current.isOpen()) {
            Connection fresh = newConnection(slot);
            if (slots.compareAndSet(slot, current, fresh)) {
                return fresh;
            }
            fresh.close(1000, "lost the slot");
            return slots.get(slot);
        }
        return current;
    }

    private void step() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String roomId = ROOMS.get(random.nextInt(ROOMS.size()));
        Connection connection = live(random.nextInt(SLOTS));
        int dice = random.nextInt(100);
        if (dice < 5) {
            if (directory.deleteRoom(roomId)) {
                Delivery left = new Delivery(new Outbound(operations.get(), "room_left", "{}", 0, null));
                rooms.remove(roomId).forEach(member -> member.send(left));
            }
            directory.createRoom(new RoomRecord(roomId, roomId, 0, false, 0, 0));
        } else if (dice < 40) {
            JoinOutcome outcome = directory.join(roomId, connection.id(), null);
            if (outcome.status() == JoinOutcome.Status.JOINED) {
                rooms.attach(connection, outcome.room()).join();
                if (!connection.isOpen()) {
                    directory.leave(roomId, connection.id());
                }
            }
        } else if (dice < 50) {
            if (rooms.detach(connection, roomId)) {
                directory.leave(roomId, connection.id());
            }
        } else if (dice < 55) {
            connection.close(4002, "kicked");
        } else {
            String text = "{\"n\":" + operations.get() + ",\"pad\":\"" + "x".repeat(random.nextInt(2000)) + "\"}";
            rooms.deliver(roomId, new Delivery(new Outbound(operations.get(), "room_message", text, 0, null)), null);
        }
        operations.incrementAndGet();
    }

    @Test
    void noDeadlockNoStuckThreadAndEveryCountBackToZero() throws Exception {
        long seconds = Long.getLong("wshub.stress.seconds", 30);
        ROOMS.forEach(id -> directory.createRoom(new RoomRecord(id, id, 0, false, 0, 0)));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ScheduledExecutorService readers = Executors.newSingleThreadScheduledExecutor();
        // slow consumers: each takes one frame every 20 ms
        readers.scheduleAtFixedRate(() -> slowOutlets.forEach(outlet -> outlet.complete(null)), 20, 20,
                TimeUnit.MILLISECONDS);
        ConcurrentHashMap<Long, String> deadlocks = new ConcurrentHashMap<>();
        readers.scheduleAtFixedRate(() -> {
            long[] deadlocked = threads.findDeadlockedThreads();
            if (deadlocked != null) {
                for (ThreadInfo info : threads.getThreadInfo(deadlocked, true, true)) {
                    deadlocks.put(info.getThreadId(), info.toString());
                }
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread worker = new Thread(() -> {
                while (System.nanoTime() < end) {
                    step();
                }
            }, "stress-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(seconds) + 10_000);
        }
        List<Thread> stuck = workers.stream().filter(Thread::isAlive).toList();
        if (!stuck.isEmpty()) {
            fail("threads did not finish (blocked?):\n" + Arrays.stream(threads.dumpAllThreads(true, true))
                    .filter(info -> info.getThreadName().startsWith("stress-")).map(ThreadInfo::toString)
                    .collect(Collectors.joining("\n")));
        }
        assertNull(threads.findDeadlockedThreads(), "deadlocked threads at the end");
        assertTrue(deadlocks.isEmpty(), "deadlocks during the run:\n" + String.join("\n", deadlocks.values()));
        assertTrue(operations.get() > 10_000, "the stress did too little to mean anything: " + operations.get());
        assertTrue(host.slowConsumers.get() > 0, "no slow consumer was ever closed: the test lost its point");

        // every connection goes; the slow ones get their close once the reader takes the frame in flight
        List<Connection> all;
        synchronized (this) {
            all = List.copyOf(everyConnection);
        }
        all.forEach(connection -> connection.close(1001, "test over"));
        for (int i = 0; i < 500 && all.stream().anyMatch(c -> !c.isTransportClosed()); i++) {
            Thread.sleep(20);
        }
        readers.shutdownNow();
        host.close();
        assertTrue(all.stream().allMatch(Connection::isTransportClosed), "every transport closed");
        assertEquals(all.size(), host.departures.size(), "each connection departed exactly once");
        assertEquals(0, rooms.size(), "local rooms");
        MemoryPresence presence = new MemoryPresence(directory, "stress-node");
        assertEquals(0, presence.totals().clients(), "directory connections");
        assertEquals(0, presence.totals().users(), "directory users");
        assertEquals(0, directory.rooms().stream().mapToInt(RoomRecord::members).sum(), "directory memberships");
        assertTrue(all.stream().allMatch(connection -> connection.rooms().isEmpty()), "connections' rooms");
    }
}
