package io.wshub.protocol.gohub;

import io.wshub.protocol.Inbound;
import io.wshub.protocol.Outbound;
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

/** The GoHub codec on the frames of the benchmarks: a room message with a 64-byte content, and its push. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GoHubCodecBenchmark {

    static final String CONTENT = "x".repeat(64);
    final String roomMessage = "{\"message_id\":42,\"message_type\":\"room_message\",\"data\":{\"room_id\":\"bench\","
            + "\"content\":\"" + CONTENT + "\"}}";
    final String escaped = "{\"message_id\":43,\"message_type\":\"echo\",\"data\":{\"t\":\"h\\u00e9llo \\\"quoted\\\"\"}}";
    final Outbound push = new Outbound(7, "room_message", "{\"room_id\":\"bench\",\"content\":\"" + CONTENT
            + "\",\"sender_id\":\"guest-0123456789ab\",\"timestamp\":1795440000000}", 1795440000000L, null);

    @Benchmark
    public Inbound decodeRoomMessage() {
        return GoHubCodec.INSTANCE.decode(roomMessage);
    }

    @Benchmark
    public Inbound decodeWithEscapes() {
        return GoHubCodec.INSTANCE.decode(escaped);
    }

    @Benchmark
    public String encodePush() {
        return GoHubCodec.INSTANCE.encode(push);
    }
}
