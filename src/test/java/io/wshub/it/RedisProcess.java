package io.wshub.it;

import redis.clients.jedis.Jedis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for the cluster tests: the one on PATH if there is one, else the Linux binary shipped inside
 * the {@code com.github.codemonstur:embedded-redis} jar. It can be stopped and started again on the same port.
 */
public final class RedisProcess implements AutoCloseable {

    private static final String EMBEDDED = "/redis-server-6.2.6-v5-linux-amd64";

    public final int port;
    private final Path binary;
    private final Path log;
    private Process process;

    /** On a free port. */
    public RedisProcess(Path directory) {
        this(directory, freePort());
    }

    RedisProcess(Path directory, int port) {
        try {
            Files.createDirectories(directory);
            this.binary = locate(directory);
            this.log = directory.resolve("redis.log");
            this.port = port;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For the README's cluster on one machine: a Redis on port 6379 (or the first argument) until Ctrl-C. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 6379;
        RedisProcess redis = new RedisProcess(Path.of("target", "redis"), port).start();
        Runtime.getRuntime().addShutdownHook(new Thread(redis::close));
        System.out.println("Redis (" + redis.binary + ") at " + redis.url() + "; Ctrl-C stops it");
        Thread.currentThread().join();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path locate(Path directory) throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path extracted = directory.resolve("redis-server");
        try (InputStream in = RedisProcess.class.getResourceAsStream(EMBEDDED)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on PATH and none in the embedded-redis jar");
            }
            Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!extracted.toFile().setExecutable(true)) {
            throw new IllegalStateException("cannot make " + extracted + " executable");
        }
        return extracted;
    }

    /** Starts with no persistence: a restart loses every key, as a crashed cache would. */
    public RedisProcess start() {
        try {
            process = new ProcessBuilder(List.of(binary.toString(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            for (int i = 0; i < 100; i++) {
                try (Jedis jedis = client()) {
                    if ("PONG".equals(jedis.ping())) {
                        return this;
                    }
                } catch (RuntimeException notYet) {
                    Thread.sleep(100);
                }
            }
            throw new IllegalStateException("redis-server did not start: " + Files.readString(log));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server (SIGKILL): clients see their connections drop. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Jedis client() {
        return new Jedis("127.0.0.1", port, 2000);
    }

    @Override
    public void close() {
        if (process != null) {
            kill();
        }
    }
}
