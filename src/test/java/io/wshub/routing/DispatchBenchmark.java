package io.wshub.routing;

import io.wshub.auth.ClientIdentity;
import io.wshub.auth.Permissions;
import io.wshub.hub.Connection;
import io.wshub.hub.CountingOutlet;
import io.wshub.hub.TestHost;
import io.wshub.messaging.EchoHandler;
import io.wshub.protocol.Inbound;
import io.wshub.protocol.Json;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.gohub.GoHubCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One echo frame through the hub's own steps, without the container: decode, the connection's request queue, the
 * handler, the reply's JSON, encode, frame and queue. (The Dispatcher adds rate limiting, a metric and a timer.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DispatchBenchmark {

    final String frame = "{\"message_id\":7,\"message_type\":\"echo\",\"data\":{\"n\":\"" + "x".repeat(32) + "\"}}";
    final EchoHandler echo = new EchoHandler();
    TestHost host;
    Connection connection;
    long ids;

    @Setup(Level.Trial)
    public void connect() {
        host = new TestHost(1024, 4_194_304);
        connection = new Connection("c", ClientIdentity.anonymous("guest-x", null, Permissions.parse(List.of("*:*"))),
                new CountingOutlet(), GoHubCodec.INSTANCE, host);
        connection.requests().release();
    }

    @TearDown(Level.Trial)
    public void stop() {
        host.close();
    }

    @Benchmark
    public boolean dispatchOneEcho() {
        Inbound inbound = GoHubCodec.INSTANCE.decode(frame);
        return connection.requests().submit(() -> {
            Reply reply = echo.handle(new Request(connection, inbound.messageId(), inbound.type(), inbound.data()));
            connection.send(new Outbound(++ids, reply.type(), Json.toJson(reply.data()), ids, inbound.messageId()));
            return null;
        });
    }
}
