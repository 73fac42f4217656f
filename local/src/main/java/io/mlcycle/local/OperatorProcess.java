package io.mlcycle.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real operator (its Quarkus app) as a child process whose Kubernetes client points at the
 * in-memory API.
 */
public final class OperatorProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int httpPort;

    private OperatorProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** The operator's HTTP port on 127.0.0.1 (health, {@code /q/metrics}). */
    public int httpPort() {
        return httpPort;
    }

    /** The system properties local mode gives the operator. */
    static Map<String, String> properties(String apiServerUrl, String namespace, int httpPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.kubernetes-client.api-server-url", apiServerUrl);
        p.put("quarkus.kubernetes-client.trust-certs", "true");
        p.put("quarkus.kubernetes-client.namespace", namespace);
        p.put("quarkus.kubernetes-client.devservices.enabled", "false");
        p.put("quarkus.devservices.enabled", "false");
        p.put("quarkus.operator-sdk.enable-ssa", "false");
        p.put("quarkus.operator-sdk.crd.apply", "false");
        p.put("quarkus.operator-sdk.crd.validate", "false");
        p.put("quarkus.http.host", "127.0.0.1");
        p.put("quarkus.http.port", Integer.toString(httpPort));
        // The kubelet of local mode picks the runtime by the pod's mlcycle.io/runtime label; the
        // image names only need to say which runtime they are.
        p.put("mlcycle.images.pivot", "local/pivot");
        p.put("mlcycle.images.trainer", "local/trainer");
        p.put("mlcycle.images.server", "local/server");
        p.put("mlcycle.images.pivot-spark", "local/pivot-spark");
        p.put("mlcycle.images.trainer-spark", "local/trainer-spark");
        p.put("mlcycle.images.scorer-spark", "local/scorer-spark");
        // FeatureView engine spark: LocalSparkOperator runs the SparkApplications.
        p.put("mlcycle.spark.enabled", "true");
        p.put("mlcycle.spark.service-account", "");
        p.put("mlcycle.data.claim", "");
        p.put("mlcycle.runtime.service-account", "");
        // progress reports show up in kubectl get while a short local run still runs
        p.put("mlcycle.runtime.progress-poll", "2s");
        // One line per reconcile in the log (thread ReconcilerExecutor-<kind>, the resource's
        // name):
        // shows what the operator looked at, e.g. after a restart.
        p.put(
                "quarkus.log.category.\"io.javaoperatorsdk.operator.processing.event"
                        + ".ReconciliationDispatcher\".level",
                "DEBUG");
        return p;
    }

    /**
     * Starts {@code java -jar <quarkusApp>/quarkus-run.jar} and waits until its health endpoint
     * answers or it exits.
     */
    public static OperatorProcess start(
            Path quarkusApp, String apiServerUrl, String namespace, Path logDir, Duration timeout) {
        return start(quarkusApp, apiServerUrl, namespace, logDir, timeout, false);
    }

    /** The JVM flags local mode starts the operator with: quick start-up, a small heap. */
    public static final List<String> LOCAL_JVM_FLAGS =
            List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m");

    /**
     * {@link #start(Path, String, String, Path, Duration)}; with {@code appendLog} the log of the
     * previous process is kept and this one's follows it (a restart).
     */
    public static OperatorProcess start(
            Path quarkusApp,
            String apiServerUrl,
            String namespace,
            Path logDir,
            Duration timeout,
            boolean appendLog) {
        return start(
                quarkusApp,
                apiServerUrl,
                namespace,
                logDir,
                timeout,
                appendLog,
                LOCAL_JVM_FLAGS,
                Map.of());
    }

    /**
     * Starts the operator with these JVM flags instead of {@link #LOCAL_JVM_FLAGS} and {@code
     * properties} added to (or replacing) local mode's.
     */
    public static OperatorProcess start(
            Path quarkusApp,
            String apiServerUrl,
            String namespace,
            Path logDir,
            Duration timeout,
            boolean appendLog,
            List<String> jvmFlags,
            Map<String, String> properties) {
        Path jar = quarkusApp.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "the operator is not built: "
                            + jar
                            + " is missing (run: mvn -q -B install -DskipTests)");
        }
        int port = Processes.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Processes.java());
        cmd.addAll(jvmFlags);
        Map<String, String> props = properties(apiServerUrl, namespace, port);
        props.putAll(properties);
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve("operator.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.redirectOutput(
                    appendLog
                            ? ProcessBuilder.Redirect.appendTo(log.toFile())
                            : ProcessBuilder.Redirect.to(log.toFile()));
            pb.environment().remove("KUBECONFIG");
            OperatorProcess op = new OperatorProcess(pb.start(), log, port);
            op.awaitStarted(timeout);
            return op;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the operator", e);
        }
    }

    private void awaitStarted(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the operator exited with code "
                                + process.exitValue()
                                + "; last log lines:\n"
                                + Processes.tail(log, 3000));
            }
            try {
                HttpResponse<Void> r =
                        http.send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        "http://127.0.0.1:"
                                                                + httpPort
                                                                + "/q/health/started"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || r.statusCode() == 404) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the operator");
            }
            sleep(300);
        }
        close();
        throw new IllegalStateException(
                "the operator did not start within "
                        + timeout.toSeconds()
                        + " s; last log lines:\n"
                        + Processes.tail(log, 3000));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Ends the process as a pod deletion does: SIGTERM, then SIGKILL once {@code grace} has passed
     * (Kubernetes' terminationGracePeriodSeconds); true when it exited within the grace.
     */
    public boolean terminate(Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        return false;
    }

    /** Ends the process at once (SIGKILL), as a crashed node or an OOM kill would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Processes.stop(process, 5000);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
