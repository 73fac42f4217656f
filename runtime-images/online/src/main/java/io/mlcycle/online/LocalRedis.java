package io.mlcycle.online;

import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A throw-away {@code redis-server} on 127.0.0.1 (no persistence) as a child process, for tests,
 * benchmarks and local mode. The binary is {@code $MLCYCLE_REDIS_SERVER} or {@code
 * /usr/bin/redis-server} (Debian package {@code redis-server}).
 */
public final class LocalRedis implements AutoCloseable {

    public static final String DEFAULT_BINARY = "/usr/bin/redis-server";

    private final Process process;
    private final int port;

    private LocalRedis(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a server on a free port and waits until it answers PING. */
    public static LocalRedis start() throws IOException {
        String env = System.getenv("MLCYCLE_REDIS_SERVER");
        Path binary = Path.of(env == null || env.isBlank() ? DEFAULT_BINARY : env);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(
                    "redis-server not found at "
                            + binary
                            + ": install the Debian package redis-server (apt-get install -y"
                            + " redis-server) or set MLCYCLE_REDIS_SERVER");
        }
        int port = freePort();
        Process p =
                new ProcessBuilder(
                                List.of(
                                        binary.toString(),
                                        "--port",
                                        Integer.toString(port),
                                        "--bind",
                                        "127.0.0.1",
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--loglevel",
                                        "warning"))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
        LocalRedis r = new LocalRedis(p, port);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (true) {
            try (Jedis j = new Jedis("127.0.0.1", port, 500)) {
                j.ping();
                return r;
            } catch (RuntimeException e) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(
                            "redis-server exited with " + p.exitValue() + " on port " + port);
                }
                if (System.nanoTime() > deadline) {
                    r.close();
                    throw new IllegalStateException(
                            "redis-server on port " + port + " did not answer PING in 15 s", e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    r.close();
                    throw new IllegalStateException("interrupted while starting redis-server");
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the server (no persistence: its data is gone). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
