package io.mlcycle.local;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code mlcycle-local [FOLDER]}: runs the operator against an in-memory Kubernetes API with pods
 * as local processes, applies the folder's YAML (default {@code examples/quickstart}), prints the
 * resources as they change, and exits 0 when every FeatureView is Ready, every TrainingRun
 * Succeeded and every ModelDeployment Available, 1 on a failure or timeout.
 */
public final class LocalMain {

    static final String USAGE =
            "usage: mlcycle-local [FOLDER] [--work DIR] [--timeout 15m] [--keep-running]"
                    + " [--no-story] [--prometheus-port 19090] [--runtime processes|containers]\n"
                    + "  FOLDER          YAML manifests to apply (default examples/quickstart); its"
                    + " local.properties may name a data step\n"
                    + "  --work DIR      logs, pod directories and the data root (default"
                    + " .mlcycle-local/; the data root DIR/root is recreated every run)\n"
                    + "  --timeout       give up (exit 1) after this long (default 15m)\n"
                    + "  --keep-running  after the end state, keep serving until Ctrl-C\n"
                    + "  --no-story      stop once the first version serves (the folder's"
                    + " local.properties may tell a story: story.asOf, next-day.args)\n"
                    + "  --runtime       processes (default: the runtime jars as local processes)"
                    + " or containers (podman containers of the images images/build builds)\n";

    private LocalMain() {}

    /** {@code --runtime}: true for containers, false for processes. */
    static boolean containersRuntime(String value) {
        return switch (value) {
            case "processes" -> false;
            case "containers" -> true;
            default ->
                    throw new IllegalArgumentException(
                            "--runtime '" + value + "' must be processes or containers");
        };
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        Path root = projectRoot();
        Path folder = root.resolve("examples/quickstart");
        Path work = root.resolve(".mlcycle-local");
        Duration timeout = Duration.ofMinutes(15);
        boolean keepRunning = false;
        boolean story = true;
        int promPort = LocalCluster.DEFAULT_PROMETHEUS_PORT;
        boolean containers = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--work" -> work = Path.of(args[++i]).toAbsolutePath();
                    case "--timeout" -> timeout = parseDuration(args[++i]);
                    case "--keep-running" -> keepRunning = true;
                    case "--no-story" -> story = false;
                    case "--prometheus-port" -> promPort = Integer.parseInt(args[++i]);
                    case "--runtime" -> containers = containersRuntime(args[++i]);
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        if (args[i].startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        folder = Path.of(args[i]).toAbsolutePath();
                    }
                }
            }
        } catch (RuntimeException e) {
            out.println("error: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        if (!Files.exists(folder)) {
            out.println("error: " + folder + " does not exist\n" + USAGE);
            return 2;
        }
        LocalCluster.Options o =
                LocalCluster.Options.defaults(root, work, out)
                        .withPrometheusPort(promPort)
                        .withContainers(containers)
                        .withOperatorProperties(
                                Files.isDirectory(folder)
                                        ? QuickstartData.operatorProperties(folder)
                                        : Map.of());
        try {
            resetRun(o);
            List<List<String>> runs =
                    Files.isDirectory(folder) ? QuickstartData.generatorRuns(folder) : List.of();
            for (List<String> gen : runs) {
                out.println("Data        generating " + String.join(" ", gen));
                long t0 = System.nanoTime();
                QuickstartData.generate(
                        root, o.dataRoot(), gen, work.resolve("logs/generator.log"));
                out.printf("Data        generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            }
        } catch (RuntimeException e) {
            out.println("error: " + e.getMessage());
            return 1;
        }
        LocalCluster cluster;
        try {
            cluster = LocalCluster.start(o);
        } catch (RuntimeException e) {
            out.println("error: " + e.getMessage());
            return 1;
        }
        try {
            cluster.watch();
            List<String> applied = cluster.apply(folder);
            out.println("Applied     " + String.join(", ", applied));
            long deadline = System.nanoTime() + timeout.toNanos();
            Scenario.State end = await(cluster, timeout);
            Story told = story && Files.isDirectory(folder) ? Story.of(cluster, folder, out) : null;
            if (end instanceof Scenario.Done && told != null) {
                printUrls(cluster, out);
                String failed = told.run(Duration.ofNanos(deadline - System.nanoTime()));
                end =
                        failed == null
                                ? await(cluster, Duration.ofNanos(deadline - System.nanoTime()))
                                : new Scenario.Failed("the story stopped: " + failed);
            }
            if (end instanceof Scenario.Failed f) {
                out.println("FAILED: " + f.message());
                out.println("Logs: " + work.resolve("logs") + " and " + work.resolve("pods"));
                return 1;
            }
            out.println("DONE: " + ((Scenario.Done) end).summary());
            printUrls(cluster, out);
            if (keepRunning) {
                out.println("Serving until Ctrl-C.");
                Thread.currentThread().join();
            }
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            out.println("error: " + e.getMessage());
            return 1;
        } finally {
            cluster.close();
        }
    }

    /** Waits for the end state, a failure, the operator's death or the timeout. */
    static Scenario.State await(LocalCluster cluster, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!cluster.operator().isAlive()) {
                return new Scenario.Failed(
                        "the operator exited: " + Processes.tail(cluster.operator().log(), 2000));
            }
            Scenario.State s = Scenario.evaluate(cluster.resources());
            if (!(s instanceof Scenario.Running)) {
                return s;
            }
            Thread.sleep(1000);
        }
        return new Scenario.Failed(
                "timed out after " + timeout.toMinutes() + " min without reaching the end state");
    }

    private static void printUrls(LocalCluster cluster, PrintStream out) {
        for (var md : cluster.resources().get("ModelDeployment")) {
            String ns = md.getMetadata().getNamespace();
            String name = md.getMetadata().getName();
            cluster.services()
                    .url(ns, name)
                    .ifPresent(
                            u ->
                                    out.println(
                                            "Serving     "
                                                    + name
                                                    + ": "
                                                    + u
                                                    + "/v2/models/"
                                                    + ResourceTable.text(md, "spec", "model")
                                                            .orElse(name)
                                                    + " (OIP v2: POST …/infer, …/feedback with"
                                                    + " the token of kubectl get secret "
                                                    + name
                                                    + "-feedback-token"
                                                    + " -o jsonpath='{.data.token}' | base64 -d"
                                                    + (md.getAdditionalProperties().get("spec")
                                                                            instanceof
                                                                            Map<?, ?> spec
                                                                    && spec.get("online") != null
                                                            ? "; by id: input \"entity\","
                                                                    + " BYTES"
                                                            : "")
                                                    + ")"));
        }
        for (LocalOnlineStore.Server s : cluster.onlineStore().servers()) {
            out.println(
                    "Redis       "
                            + s.address()
                            + " → "
                            + s.localUrl()
                            + " (redis-cli -p "
                            + s.port()
                            + (s.password() == null
                                    ? ""
                                    : " --askpass; password from " + s.passwordFrom())
                            + ")");
        }
    }

    /** Clears the previous run's data root and pod directories (logs of the last run stay). */
    static void resetRun(LocalCluster.Options o) {
        try {
            for (Path p :
                    List.of(
                            o.dataRoot(),
                            o.workDir().resolve("pods"),
                            o.workDir().resolve("prometheus"),
                            o.workDir().resolve("redis"))) {
                if (Files.exists(p)) {
                    try (var walk = Files.walk(p)) {
                        for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(q);
                        }
                    }
                }
            }
            Files.createDirectories(o.dataRoot());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset " + o.workDir(), e);
        }
    }

    static Duration parseDuration(String s) {
        if (!s.matches("[0-9]+[smh]")) {
            throw new IllegalArgumentException(
                    "--timeout '" + s + "' must look like 90s, 15m or 1h");
        }
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /**
     * The repository root: -Dmlcycle.project.root, or the nearest parent with crds/ and pom.xml.
     */
    static Path projectRoot() {
        String prop = System.getProperty("mlcycle.project.root");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath();
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("crds")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException(
                "run mlcycle-local from inside the mlcycle repository (no crds/ found above "
                        + Path.of("").toAbsolutePath()
                        + ")");
    }
}
