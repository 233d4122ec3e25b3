package io.wshub.cluster;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** The bus envelope of a room message: what each node pays per message that crosses Redis. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnvelopeBenchmark {

    final Envelope envelope = Envelope.message(Envelope.Kind.ROOM_MESSAGE, "node-a", "bench", null, "room_message",
            "{\"room_id\":\"bench\",\"content\":\"" + "x".repeat(64) + "\",\"sender_id\":\"guest-0123456789ab\","
                    + "\"timestamp\":1795440000000}", 1795440000000L);
    final byte[] encoded = envelope.encode(1795440000001L);

    @Benchmark
    public byte[] encode() {
        return envelope.encode(1795440000001L);
    }

    @Benchmark
    public Envelope decode() {
        return Envelope.decode(encoded);
    }
}
