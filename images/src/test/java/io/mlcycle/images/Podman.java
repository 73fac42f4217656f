package io.mlcycle.images;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * podman as the tests use it: images built once per run by {@code images/build}, containers run the
 * way a pod runs them (read-only root, non-root user, {@code /tmp} writable, the termination
 * message file bind-mounted).
 */
final class Podman {

    static final Path ROOT = Path.of(System.getProperty("mlcycle.project.root")).toAbsolutePath();

    /** The user the container tests run as (not the image's 10001: any uid must work). */
    static final String USER = "1000";

    private static boolean built;

    private Podman() {}

    /** A finished command: exit code and everything it printed. */
    record Result(int exit, String output) {}

    /**
     * Builds the images from the jars the reactor packaged before this module (once per JVM).
     * Without podman the tests are skipped on a developer's machine but fail in CI, which installs
     * it.
     */
    static synchronized String tag() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/podman"));
        if (!present && System.getenv("CI") == null) {
            assumeTrue(false, "podman is not installed (CI installs it; see .ci/run)");
        }
        assertThat(present).as("podman installed (.ci/run installs it)").isTrue();
        if (!built) {
            Result r =
                    run(
                            Duration.ofMinutes(20),
                            ROOT.resolve("images/build").toString(),
                            "--no-package",
                            "operator",
                            "pivot",
                            "pivot-spark",
                            "trainer",
                            "trainer-spark",
                            "server",
                            "scorer-spark");
            assertThat(r.exit()).as("images/build:%n%s", r.output()).isZero();
            System.out.print(r.output());
            built = true;
        }
        return appVersion();
    }

    static String image(String name) {
        return "mlcycle/" + name + ":" + tag();
    }

    static String appVersion() {
        try {
            return Files.readAllLines(ROOT.resolve("helm-chart/Chart.yaml")).stream()
                    .filter(l -> l.startsWith("appVersion:"))
                    .map(l -> l.substring("appVersion:".length()).trim().replace("\"", ""))
                    .findFirst()
                    .orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code podman run} with the pod contract: read-only root, {@code --user 1000}, a writable
     * {@code /tmp} (exec allowed: DJL loads its natives from there, as from an emptyDir), the data
     * directory at {@code /data}, {@code terminationLog} at {@code /dev/termination-log}.
     */
    static List<String> runCommand(
            String name, Path data, Path terminationLog, List<String> extra, String image) {
        List<String> cmd = new ArrayList<>();
        cmd.addAll(
                List.of(
                        "podman",
                        "run",
                        "--name",
                        name,
                        "--read-only",
                        "--tmpfs",
                        "/tmp:rw,exec,size=1g",
                        "--user",
                        USER,
                        "-v",
                        data + ":/data",
                        "-v",
                        terminationLog + ":/dev/termination-log"));
        cmd.addAll(extra);
        cmd.add(image);
        return cmd;
    }

    /**
     * Waits until {@code value} satisfies {@code done} (an exception counts as not yet); when it
     * gives up it names the wait, the last value or exception, and what {@code explain} shows then
     * (a container's logs, a process's output).
     */
    static <T> T awaitOrExplain(
            String what,
            Duration atMost,
            Duration poll,
            Callable<T> value,
            Predicate<? super T> done,
            Supplier<String> explain) {
        AtomicReference<Object> last = new AtomicReference<>();
        try {
            return await(what)
                    .atMost(atMost)
                    .pollInterval(poll)
                    .until(
                            () -> {
                                try {
                                    T v = value.call();
                                    last.set(v);
                                    return v;
                                } catch (Exception e) {
                                    last.set(e);
                                    return null;
                                }
                            },
                            v -> v != null && done.test(v));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "gave up after "
                            + atMost
                            + " waiting for: "
                            + what
                            + "\nlast value: "
                            + last.get()
                            + "\n"
                            + explain.get(),
                    e);
        }
    }

    /** {@code podman logs} of a container, for a wait that gave up. */
    static String logs(String container) {
        Result r = run(Duration.ofMinutes(1), "podman", "logs", "--tail", "200", container);
        return "podman logs " + container + " (exit " + r.exit() + "):\n" + r.output();
    }

    /** The last lines of a process's output file, for a wait that gave up. */
    static String tail(Path output) {
        try {
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            return "last lines of "
                    + output
                    + ":\n"
                    + String.join(
                            "\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return output + " could not be read: " + e;
        }
    }

    static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    static Result run(Duration timeout, List<String> command) {
        try {
            Path out = Files.createTempFile("podman", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                pb.redirectOutput(out.toFile());
                pb.environment()
                        .putIfAbsent(
                                "CONTAINERS_CONF",
                                ROOT.resolve("images/containers.conf").toString());
                Process p = pb.start();
                if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(
                            command
                                    + " did not finish in "
                                    + timeout
                                    + ": "
                                    + Files.readString(out));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * An OIP v2 inference of two rows on one of the model's per-feature inputs ({@code modelUrl}:
     * {@code …/v2/models/<name>}); returns its first output (the probabilities), failing unless it
     * answers 200.
     */
    static JsonNode infer(HttpClient http, String modelUrl) throws Exception {
        HttpResponse<String> metadata =
                http.send(
                        HttpRequest.newBuilder(URI.create(modelUrl))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(metadata.statusCode()).as(metadata.body()).isEqualTo(200);
        JsonNode meta = TaskJson.MAPPER.readTree(metadata.body());
        // one feature's [-1] input (metadata lists the dense [-1, F] input first)
        String feature = null;
        for (JsonNode input : meta.get("inputs")) {
            if (input.get("shape").size() == 1 && feature == null) {
                feature = input.get("name").asText();
            }
        }
        assertThat(feature).as("a per-feature input in %s", meta).isNotNull();
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(modelUrl + "/infer"))
                                .timeout(Duration.ofSeconds(10))
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"inputs\":[{\"name\":\""
                                                        + feature
                                                        + "\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[0,3]}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TaskJson.MAPPER.readTree(r.body()).get("outputs").get(0);
    }

    /** Removes a container whatever its state (best effort). */
    static void remove(String name) {
        run(Duration.ofMinutes(1), "podman", "rm", "-f", "-t", "5", name);
    }

    /** A directory or file every user may write, as a data volume is to the pod's user. */
    static Path shared(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            run(Duration.ofMinutes(1), "chmod", "-R", "a+rwX", p.toString());
        } else {
            Files.createDirectories(p.getParent());
            if (!Files.exists(p)) {
                Files.createFile(p);
            }
            run(Duration.ofMinutes(1), "chmod", "a+rw", p.toString());
        }
        return p;
    }
}
