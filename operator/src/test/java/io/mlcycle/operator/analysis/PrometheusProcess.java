package io.mlcycle.operator.analysis;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus server (the Debian package {@code prometheus}) on loopback, scraping the given
 * targets every second. Tests fail, never skip, when it is not installed.
 */
public final class PrometheusProcess implements AutoCloseable {

    public static final String BINARY_PROPERTY = "mlcycle.prometheus.binary";

    private final Path dir;
    private final int port;
    private Process process;

    private PrometheusProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The binary: {@code -Dmlcycle.prometheus.binary}, else /usr/bin/prometheus. */
    public static Path binary() {
        Path binary = Paths.get(System.getProperty(BINARY_PROPERTY, "/usr/bin/prometheus"));
        if (!Files.isExecutable(binary)) {
            throw new AssertionError(
                    "Prometheus is needed by this test but "
                            + binary
                            + " is not there: install the Debian package (apt-get install -y"
                            + " prometheus) or set -D"
                            + BINARY_PROPERTY
                            + "=<path>");
        }
        return binary;
    }

    /** Starts Prometheus scraping {@code host:port} targets at /metrics and waits until ready. */
    public static PrometheusProcess start(List<String> targets) throws IOException {
        return start(targets, null);
    }

    /**
     * {@link #start(List)} with a web configuration ({@code --web.config.file}), e.g. {@code
     * basic_auth_users}; null for none. With one, a 401 from /-/ready also means it is up.
     */
    public static PrometheusProcess start(List<String> targets, String webConfig)
            throws IOException {
        Path binary = binary();
        Path dir = Files.createTempDirectory("mlcycle-prometheus");
        String targetList =
                targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "));
        Files.writeString(
                dir.resolve("prometheus.yml"),
                "global:\n"
                        + "  scrape_interval: 1s\n"
                        + "  scrape_timeout: 1s\n"
                        + "  evaluation_interval: 1s\n"
                        + "scrape_configs:\n"
                        + "  - job_name: mlcycle\n"
                        + "    metrics_path: /metrics\n"
                        + "    static_configs:\n"
                        + "      - targets: ["
                        + targetList
                        + "]\n");
        PrometheusProcess p = new PrometheusProcess(dir, freePort());
        List<String> cmd =
                new java.util.ArrayList<>(
                        List.of(
                                binary.toString(),
                                "--config.file=" + dir.resolve("prometheus.yml"),
                                "--storage.tsdb.path=" + dir.resolve("data"),
                                "--web.listen-address=127.0.0.1:" + p.port,
                                "--log.level=warn"));
        if (webConfig != null) {
            Files.writeString(dir.resolve("web.yml"), webConfig);
            cmd.add("--web.config.file=" + dir.resolve("web.yml"));
            p.authenticated = true;
        }
        p.process =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("prometheus.log").toFile())
                        .start();
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    private boolean authenticated;

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Stops the server (the data directory stays until {@link #close()}). */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private void awaitReady(Duration limit) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = log();
                close();
                throw new AssertionError("Prometheus exited at start:\n" + log);
            }
            try {
                HttpResponse<Void> r =
                        http.send(
                                HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build(),
                                HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || authenticated && r.statusCode() == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        String log = log();
        close();
        throw new AssertionError("Prometheus not ready within " + limit + ":\n" + log);
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
