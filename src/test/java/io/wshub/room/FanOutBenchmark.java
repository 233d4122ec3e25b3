package io.wshub.room;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.hub.Connection;
import io.wshub.hub.CountingOutlet;
import io.wshub.hub.Delivery;
import io.wshub.hub.TestHost;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Room fan-out into 1,000 send queues: one message encoded and framed once, queued and written (to a transport that
 * takes it at once) for every member. The figure is per delivery.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutBenchmark {

    static final int MEMBERS = 1000;
    LocalRooms rooms;
    TestHost host;
    long id;

    @Setup(Level.Trial)
    public void join() {
        rooms = new LocalRooms(room -> CompletableFuture.completedFuture(null));
        host = new TestHost(1024, 4_194_304);
        RoomRecord bench = new RoomRecord("bench", "bench", 0, true, 0, 0);
        for (int i = 0; i < MEMBERS; i++) {
            Connection member = new Connection("c" + i, ClientIdentity.anonymous("guest-" + i, null,
                    Permissions.parse(List.of("*:*"))), new CountingOutlet(), GoHubCodec.INSTANCE, host);
            rooms.attach(member, bench).join();
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        host.close();
    }

    @Benchmark
    @OperationsPerInvocation(MEMBERS)
    public int deliverToThousandMembers() {
        long now = ++id;
        Outbound message = new Outbound(now, "room_message", "{\"room_id\":\"bench\",\"content\":\"" + "x".repeat(64)
                + "\",\"sender_id\":\"guest-0123456789ab\",\"timestamp\":" + now + "}", now, null);
        return rooms.deliver("bench", new Delivery(message), null);
    }
}
