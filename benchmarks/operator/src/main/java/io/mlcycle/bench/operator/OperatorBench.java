package io.mlcycle.bench.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.mlcycle.local.MockApi;
import io.mlcycle.local.OperatorProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N FeatureViews, N TrainingRuns (one per view, each its own model) and N ModelDeployments (one per
 * model) on the mock API server, the operator process reconciling them and {@link FakeWorkloads}
 * finishing their Jobs and Deployments. Measures convergence, reconcile latency, the operator's API
 * requests per reconcile when nothing changed, heap and RSS.
 */
public final class OperatorBench {

    private static final String NS = "default";
    private static final String BENCH_HEADER = "X-Mlcycle-Bench";
    private static final Pattern RECONCILED =
            Pattern.compile("reconciled (\\w+) \\S+ in ([0-9.]+) ms");

    /** The operator's requests by kind ("GET", "LIST", "WATCH", "POST", ...). */
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

    /** The same by kind and resource type ("LIST pods", "PATCH featureviews/status"). */
    private final Map<String, LongAdder> byResource = new ConcurrentHashMap<>();

    /** Whether the steady-state window is open; its first write of each kind is shown. */
    private volatile boolean idle;

    /** While converging: the server's time (ms) per operator request, and its sum per resource. */
    private final java.util.Queue<Double> convergeServerMs =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final Map<String, java.util.concurrent.atomic.DoubleAdder> convergeServerMsByResource =
            new ConcurrentHashMap<>();

    private volatile boolean converging = true;

    private final java.util.Set<String> shownWrites = ConcurrentHashMap.newKeySet();

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        new OperatorBench()
                .run(
                        Path.of(a.get("root")),
                        Path.of(a.get("work")),
                        Integer.parseInt(a.getOrDefault("n", "1000")),
                        Duration.ofSeconds(Long.parseLong(a.getOrDefault("timeout-s", "900"))),
                        List.of(
                                a.getOrDefault("operator-java-opts", "-XX:+UseSerialGC -Xmx1g")
                                        .trim()
                                        .split("\\s+")));
        System.exit(0);
    }

    private void run(Path root, Path work, int n, Duration timeout, List<String> jvmFlags)
            throws Exception {
        MockApi api = MockApi.start();
        api.createCrds(root.resolve("crds"));
        api.observeRequests(this::count);
        api.timeRequests(this::time);
        Config config = api.clientConfig();
        config.setCustomHeaders(Map.of(BENCH_HEADER, "1"));
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                FakeWorkloads workloads = new FakeWorkloads(client)) {
            Path logDir = work.resolve("logs");
            Files.deleteIfExists(logDir.resolve("operator.log"));
            OperatorProcess operator =
                    OperatorProcess.start(
                            root.resolve("operator/target/quarkus-app"),
                            api.url(),
                            NS,
                            logDir,
                            Duration.ofMinutes(3),
                            false,
                            jvmFlags,
                            Map.of(
                                    "quarkus.log.category.\"io.mlcycle.operator.common.ReconcileTimer\".level",
                                    "DEBUG",
                                    "quarkus.log.category.\"io.mlcycle.operator.common.ReconcileTimer\".min-level",
                                    "DEBUG"));
            Thread stop = new Thread(operator::close);
            Runtime.getRuntime().addShutdownHook(stop);
            try {
                measure(client, operator, n, timeout);
            } finally {
                operator.close();
                Runtime.getRuntime().removeShutdownHook(stop);
            }
        } finally {
            api.close();
        }
    }

    private void measure(KubernetesClient client, OperatorProcess operator, int n, Duration timeout)
            throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            create(client, featureView(i));
            create(client, trainingRun(i));
            create(client, modelDeployment(i));
        }
        System.err.printf(Locale.ROOT, "created %d resources in %.1f s%n", 3 * n, secs(t0));
        long deadline = t0 + timeout.toNanos();
        int[] done;
        while (true) {
            done =
                    new int[] {
                        count(client, "FeatureView", "Ready"),
                        count(client, "TrainingRun", "Succeeded"),
                        count(client, "ModelDeployment", "Available")
                    };
            System.err.printf(
                    Locale.ROOT,
                    "%6.1f s: FeatureView Ready %d, TrainingRun Succeeded %d, ModelDeployment Available %d of %d%n",
                    secs(t0),
                    done[0],
                    done[1],
                    done[2],
                    n);
            if (Arrays.stream(done).allMatch(d -> d == n)) {
                break;
            }
            if (System.nanoTime() > deadline || !operator.isAlive()) {
                throw new IllegalStateException(
                        "not converged within "
                                + timeout.toSeconds()
                                + " s (operator alive: "
                                + operator.isAlive()
                                + "); log: "
                                + operator.log());
            }
            Thread.sleep(2000);
        }
        double convergeS = secs(t0);
        this.converging = false;
        List<Double> converging = latencies(operator.log(), 0);
        int logMark = converging.size();

        // Steady state: wait until the operator is quiet, then touch every resource with an
        // annotation (a change that alters nothing the operator decides on) and count what it asks.
        awaitQuiet(operator.log());
        Map<String, Object> statusesBefore = statuses(client);
        idle = true;
        Map<String, Long> before = snapshot();
        Map<String, Long> beforeByResource = snapshot(byResource);
        long nudgeStart = System.nanoTime();
        // ModelDeployments reconcile on their ModelVersions' events, not on their own annotations.
        for (String kind : List.of("FeatureView", "TrainingRun", "ModelVersion")) {
            for (int i = 0; i < n; i++) {
                resources(client, kind)
                        .inNamespace(NS)
                        .withName(name(kind, i))
                        .patch(
                                PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"annotations\":{\"bench.mlcycle.io/nudge\":\""
                                        + nudgeStart
                                        + "\"}}}");
            }
        }
        awaitQuiet(operator.log());
        Map<String, Long> after = snapshot();
        idle = false;
        Map<String, Object> statusesAfter = statuses(client);
        statusesBefore.forEach(
                (k, v) -> {
                    if (!java.util.Objects.equals(v, statusesAfter.get(k))) {
                        System.err.println(
                                "status of "
                                        + k
                                        + " changed while idle:\n  before "
                                        + v
                                        + "\n  after  "
                                        + statusesAfter.get(k));
                    }
                });
        Map<String, Long> idleByResource = new java.util.TreeMap<>();
        snapshot(byResource)
                .forEach(
                        (k, v) -> {
                            long d = v - beforeByResource.getOrDefault(k, 0L);
                            if (d != 0 && !k.startsWith("WATCH")) {
                                idleByResource.put(k, d);
                            }
                        });
        List<Double> all = latencies(operator.log(), 0);
        List<Double> idle = all.subList(logMark, all.size());
        Map<String, Long> delta = new HashMap<>();
        after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
        long idleRequests =
                delta.entrySet().stream()
                        .filter(e -> !e.getKey().equals("WATCH"))
                        .mapToLong(Map.Entry::getValue)
                        .sum();
        long idleWrites =
                delta.entrySet().stream()
                        .filter(e -> !List.of("WATCH", "GET", "LIST").contains(e.getKey()))
                        .mapToLong(Map.Entry::getValue)
                        .sum();
        double perReconcile = idle.isEmpty() ? 0 : idleRequests / (double) idle.size();

        jcmd(operator.pid(), "GC.run");
        double heapMb = heapUsedMb(jcmd(operator.pid(), "GC.heap_info"));
        Map<String, Long> mem = procStatus(operator.pid());

        System.out.printf(
                Locale.ROOT,
                "converge: %d resources in %.1f s, %d reconciles, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                3 * n,
                convergeS,
                converging.size(),
                pct(converging, 50),
                pct(converging, 99),
                pct(converging, 100));
        List<Double> serverMs = new ArrayList<>(convergeServerMs);
        Map<String, String> serverByResource = new java.util.TreeMap<>();
        convergeServerMsByResource.forEach(
                (k, v) ->
                        serverByResource.put(
                                k,
                                String.format(
                                        Locale.ROOT,
                                        "%.0fms/%d",
                                        v.sum(),
                                        byResourceConverging
                                                .getOrDefault(k, new LongAdder())
                                                .sum())));
        System.out.printf(
                Locale.ROOT,
                "converge: %d operator requests (%.1f per reconcile), server time per request p50"
                        + " %.2f ms, p99 %.2f ms, max %.2f ms (store lock wait included); server"
                        + " time/requests by resource %s%n",
                serverMs.size(),
                converging.isEmpty() ? 0 : serverMs.size() / (double) converging.size(),
                pct(serverMs, 50),
                pct(serverMs, 99),
                pct(serverMs, 100),
                serverByResource);
        System.out.println("converge by kind: " + latenciesByKind(operator.log(), logMark));
        System.out.printf(
                Locale.ROOT,
                "idle: %d reconciles after nudging %d views, runs and versions, p50 %.2f ms, p99 %.2f ms;"
                        + " operator requests %s (writes %d, %.2f requests per reconcile)%n",
                idle.size(),
                3 * n,
                pct(idle, 50),
                pct(idle, 99),
                idleByResource,
                idleWrites,
                perReconcile);
        System.out.printf(
                Locale.ROOT,
                "memory: heap after full GC %.0f MB, RSS %d MB, peak RSS %d MB%n",
                heapMb,
                mem.getOrDefault("VmRSS", 0L) / 1024,
                mem.getOrDefault("VmHWM", 0L) / 1024);
        System.out.printf(
                Locale.ROOT,
                "BENCH operator resources=%d converge_s=%.1f reconcile_p50_ms=%.2f"
                        + " reconcile_p99_ms=%.2f idle_requests_per_reconcile=%.2f"
                        + " idle_writes=%d heap_mb=%.0f rss_mb=%d%n",
                3 * n,
                convergeS,
                pct(all, 50),
                pct(all, 99),
                perReconcile,
                idleWrites,
                heapMb,
                mem.getOrDefault("VmRSS", 0L) / 1024);
    }

    private final Map<String, LongAdder> byResourceConverging = new ConcurrentHashMap<>();

    private void time(RecordedRequest r, long nanos) {
        String path = r.getPath() == null ? "" : r.getPath();
        if (!converging
                || r.getHeader(BENCH_HEADER) != null
                || path.contains("watch=true")
                || path.contains("watch=1")) {
            return;
        }
        double ms = nanos / 1e6;
        convergeServerMs.add(ms);
        String key = r.getMethod().toUpperCase(Locale.ROOT) + " " + resource(path);
        convergeServerMsByResource
                .computeIfAbsent(key, k -> new java.util.concurrent.atomic.DoubleAdder())
                .add(ms);
        byResourceConverging.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private void count(RecordedRequest r) {
        if (r.getHeader(BENCH_HEADER) != null) {
            return;
        }
        String path = r.getPath() == null ? "" : r.getPath();
        String method = r.getMethod().toUpperCase(Locale.ROOT);
        String kind;
        if (method.equals("GET")) {
            String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            if (path.contains("watch=true") || path.contains("watch=1")) {
                kind = "WATCH";
            } else {
                // a collection path ends in the plural (an odd number of segments after the
                // group/version prefix is hard to tell generically): an object GET names one
                kind = isCollection(bare) ? "LIST" : "GET";
            }
        } else {
            kind = method;
        }
        requests.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (idle
                && !List.of("GET", "LIST", "WATCH").contains(kind)
                && shownWrites.add(kind + " " + resource(path))) {
            System.err.println(
                    "write while idle: "
                            + method
                            + " "
                            + path
                            + " "
                            + (r.getBody() == null
                                    ? ""
                                    : new String(
                                            r.getBody().getBytes(),
                                            java.nio.charset.StandardCharsets.UTF_8)));
        }
        byResource.computeIfAbsent(kind + " " + resource(path), k -> new LongAdder()).increment();
    }

    /** The resource type of a path, e.g. {@code jobs} or {@code featureviews/status}. */
    static String resource(String path) {
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String[] s = bare.replaceFirst("^/", "").split("/");
        int i = s.length > 0 && s[0].equals("api") ? 2 : 3;
        if (i < s.length && s[i].equals("namespaces")) {
            i += 2;
        }
        if (i >= s.length) {
            return bare;
        }
        return s.length > i + 2 ? s[i] + "/" + s[i + 2] : s[i];
    }

    /** {@code /api/v1/namespaces/ns/pods} and {@code /apis/g/v/namespaces/ns/x} are lists. */
    static boolean isCollection(String path) {
        String[] s = path.replaceFirst("^/", "").split("/");
        int prefix = s.length > 0 && s[0].equals("api") ? 2 : 3;
        int rest = s.length - prefix;
        if (rest > 0 && s[prefix].equals("namespaces")) {
            rest -= 2;
            return rest == 1;
        }
        return rest == 1;
    }

    private Map<String, Long> snapshot() {
        return snapshot(requests);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        Map<String, Long> m = new java.util.TreeMap<>();
        counters.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Waits until the operator's log has no new reconcile for 5 s. */
    private static void awaitQuiet(Path log) throws Exception {
        long size = -1;
        long quietSince = System.nanoTime();
        while (true) {
            long now = Files.size(log);
            if (now != size) {
                size = now;
                quietSince = System.nanoTime();
            } else if (secs(quietSince) > 5) {
                return;
            }
            Thread.sleep(500);
        }
    }

    private static List<Double> latencies(Path log, int from) {
        List<Double> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(log)) {
                Matcher m = RECONCILED.matcher(line);
                if (m.find()) {
                    out.add(Double.parseDouble(m.group(2)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.subList(from, out.size());
    }

    /** Per kind, {@code p50/p99/max} ms of the first {@code count} reconciles in the log. */
    private static Map<String, String> latenciesByKind(Path log, int count) {
        Map<String, List<Double>> byKind = new java.util.TreeMap<>();
        int seen = 0;
        try {
            for (String line : Files.readAllLines(log)) {
                Matcher m = RECONCILED.matcher(line);
                if (m.find() && seen++ < count) {
                    byKind.computeIfAbsent(m.group(1), k -> new ArrayList<>())
                            .add(Double.parseDouble(m.group(2)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new java.util.TreeMap<>();
        byKind.forEach(
                (k, v) ->
                        out.put(
                                k,
                                String.format(
                                        Locale.ROOT,
                                        "%d reconciles p50 %.1f p99 %.1f max %.1f ms",
                                        v.size(),
                                        pct(v, 50),
                                        pct(v, 99),
                                        pct(v, 100))));
        return out;
    }

    static double pct(List<Double> values, double p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    /** The status of the first resource of each kind: what a write while idle changed. */
    private static Map<String, Object> statuses(KubernetesClient client) {
        Map<String, Object> m = new HashMap<>();
        for (String kind :
                List.of("FeatureView", "TrainingRun", "ModelVersion", "ModelDeployment")) {
            GenericKubernetesResource r =
                    resources(client, kind).inNamespace(NS).withName(name(kind, 0)).get();
            m.put(kind, r == null ? null : r.getAdditionalProperties().get("status"));
        }
        return m;
    }

    private static int count(KubernetesClient client, String kind, String phase) {
        int c = 0;
        for (GenericKubernetesResource r :
                resources(client, kind).inNamespace(NS).list().getItems()) {
            Object status = r.getAdditionalProperties().get("status");
            if (status instanceof Map<?, ?> s && phase.equals(s.get("phase"))) {
                c++;
            }
        }
        return c;
    }

    private static void create(KubernetesClient client, String yaml) {
        GenericKubernetesResource r =
                client.getKubernetesSerialization()
                        .unmarshal(yaml, GenericKubernetesResource.class);
        resources(client, r.getKind()).inNamespace(NS).resource(r).create();
    }

    /** Our kinds without API discovery per call. */
    private static MixedOperation<
                    GenericKubernetesResource,
                    GenericKubernetesResourceList,
                    Resource<GenericKubernetesResource>>
            resources(KubernetesClient client, String kind) {
        return client.genericKubernetesResources(
                new ResourceDefinitionContext.Builder()
                        .withGroup("mlcycle.io")
                        .withVersion("v1alpha1")
                        .withKind(kind)
                        .withPlural(kind.toLowerCase(Locale.ROOT) + "s")
                        .withNamespaced(true)
                        .build());
    }

    private static String name(String kind, int i) {
        return switch (kind) {
            case "FeatureView" -> "fv-" + i;
            case "TrainingRun" -> "tr-" + i;
            case "ModelVersion" -> "m-" + i + "-v1";
            default -> "md-" + i;
        };
    }

    private static String featureView(int i) {
        return """
                apiVersion: mlcycle.io/v1alpha1
                kind: FeatureView
                metadata:
                  name: fv-%1$d
                spec:
                  entity: user_id
                  source:
                    uri: "file:///data/raw/item-events/dt={date}/"
                    format: parquet
                    successMarker: _SUCCESS
                  pivot:
                    key: event_id
                    value: cnt
                    aggregate: sum
                  window: 7d
                  asOf: "2026-11-20"
                  store:
                    uri: "file:///data/features/fv-%1$d/"
                """
                .formatted(i);
    }

    private static String trainingRun(int i) {
        return """
                apiVersion: mlcycle.io/v1alpha1
                kind: TrainingRun
                metadata:
                  name: tr-%1$d
                spec:
                  model: m-%1$d
                  features:
                    - featureView: fv-%1$d
                  asOf: latest
                  labels:
                    uri: "file:///data/labels/returned/asOf={date}/"
                    column: returned
                    entity: user_id
                  algorithm: logistic
                  gates:
                    - metric: auc
                      min: 0.6
                """
                .formatted(i);
    }

    private static String modelDeployment(int i) {
        return """
                apiVersion: mlcycle.io/v1alpha1
                kind: ModelDeployment
                metadata:
                  name: md-%1$d
                spec:
                  model: m-%1$d
                """
                .formatted(i);
    }

    private static String jcmd(long pid, String command) {
        try {
            Process p =
                    new ProcessBuilder("jcmd", Long.toString(pid), command)
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * The heap in use from {@code GC.heap_info}: the sum of its generations (Serial, Parallel) or
     * the G1 heap line, without Metaspace.
     */
    static double heapUsedMb(String heapInfo) {
        Pattern used = Pattern.compile("used (\\d+)K");
        long k = 0;
        for (String line : heapInfo.split("\n")) {
            Matcher m = used.matcher(line);
            if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
                k += Long.parseLong(m.group(1));
            }
        }
        return k / 1024.0;
    }

    private static Map<String, Long> procStatus(long pid) {
        Map<String, Long> m = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                String[] p = line.split(":\\s+");
                if (p.length == 2 && p[1].endsWith(" kB")) {
                    m.put(p[0], Long.parseLong(p[1].replace(" kB", "").trim()));
                }
            }
        } catch (IOException e) {
            // not Linux: no RSS figure
        }
        return m;
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
