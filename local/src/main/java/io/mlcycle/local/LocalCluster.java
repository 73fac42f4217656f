package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything local mode runs: the in-memory API with the CRDs, the real operator as a child
 * process, the kubelet, Service proxies, Prometheus when installed, and the live table.
 */
public final class LocalCluster implements AutoCloseable {

    /** Where the example manifests expect Prometheus. */
    public static final int DEFAULT_PROMETHEUS_PORT = 19090;

    public static final String DEFAULT_PROMETHEUS_URL =
            "http://127.0.0.1:" + DEFAULT_PROMETHEUS_PORT;

    /**
     * @param projectRoot the repository root (crds/, operator/, runtime-images/)
     * @param workDir logs, pod directories, Prometheus data
     * @param dataRoot MLCYCLE_FILE_ROOT of every runtime: file:///x lives at dataRoot/x
     * @param scrapeInterval Prometheus scrape interval
     * @param redisBinary the redis-server that stands in for each Redis of {@code spec.online}
     * @param containers pods as podman containers of the images ({@link ContainerRuntime})
     */
    public record Options(
            Path projectRoot,
            Path workDir,
            Path dataRoot,
            String namespace,
            Path prometheusBinary,
            int prometheusPort,
            Duration scrapeInterval,
            Path redisBinary,
            PrintStream out,
            Map<String, String> operatorProperties,
            boolean containers) {

        public static Options defaults(Path projectRoot, Path workDir, PrintStream out) {
            return new Options(
                    projectRoot,
                    workDir,
                    workDir.resolve("root"),
                    "default",
                    LocalPrometheus.DEFAULT_BINARY,
                    DEFAULT_PROMETHEUS_PORT,
                    Duration.ofSeconds(2),
                    LocalOnlineStore.DEFAULT_BINARY,
                    out,
                    Map.of(),
                    false);
        }

        public Options withPrometheusPort(int port) {
            return new Options(
                    projectRoot,
                    workDir,
                    dataRoot,
                    namespace,
                    prometheusBinary,
                    port,
                    scrapeInterval,
                    redisBinary,
                    out,
                    operatorProperties,
                    containers);
        }

        public Options withRedisBinary(Path binary) {
            return new Options(
                    projectRoot,
                    workDir,
                    dataRoot,
                    namespace,
                    prometheusBinary,
                    prometheusPort,
                    scrapeInterval,
                    binary,
                    out,
                    operatorProperties,
                    containers);
        }

        /** Operator settings added to local mode's (an example's {@code operator.*} lines). */
        public Options withOperatorProperties(Map<String, String> properties) {
            return new Options(
                    projectRoot,
                    workDir,
                    dataRoot,
                    namespace,
                    prometheusBinary,
                    prometheusPort,
                    scrapeInterval,
                    redisBinary,
                    out,
                    Map.copyOf(properties),
                    containers);
        }

        /** Pods as podman containers of the runtime images instead of local processes. */
        public Options withContainers(boolean containers) {
            return new Options(
                    projectRoot,
                    workDir,
                    dataRoot,
                    namespace,
                    prometheusBinary,
                    prometheusPort,
                    scrapeInterval,
                    redisBinary,
                    out,
                    operatorProperties,
                    containers);
        }
    }

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    private MockApi api;
    private Kubelet kubelet;
    private ServiceProxies services;
    private LocalPrometheus prometheus;
    private LocalOnlineStore onlineStore;
    private LocalObjectStorage objectStorage;
    private OperatorProcess operator;
    private ResourceTable table;
    private final Thread shutdownHook = new Thread(this::close, "mlcycle-local-shutdown");

    private LocalCluster(Options options) {
        this.options = options;
        // child processes must not outlive this JVM, whoever ends it
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts every part; on failure stops what already started and rethrows. */
    public static LocalCluster start(Options o) {
        LocalCluster c = new LocalCluster(o);
        try {
            c.startAll();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void startAll() {
        PrintStream out = options.out();
        try {
            Files.createDirectories(options.workDir());
            Files.createDirectories(options.dataRoot());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        api = MockApi.start();
        started.add(api);
        List<String> crds = api.createCrds(options.projectRoot().resolve("crds"));
        out.println(
                "API server  " + api.url() + " (in memory; CRDs: " + String.join(", ", crds) + ")");
        // the kubelet writes each pod's output here; the operator reads progress from it
        api.servePodLogs(
                (ns, pod) ->
                        options.workDir()
                                .resolve("pods")
                                .resolve(ns)
                                .resolve(pod)
                                .resolve("container.log"));
        KubectlProxy proxy = KubectlProxy.start(api);
        started.add(proxy);
        Path kubeconfig = api.writeKubeconfig(options.workDir().resolve("kubeconfig"), proxy.url());
        out.println(
                "kubectl     export KUBECONFIG="
                        + kubeconfig
                        + "   (then kubectl get mlcycle -w, apply, patch, edit)");
        PodRuntime pods =
                new ProcessPodRuntime(
                        ProcessPodRuntime.jars(options.projectRoot()), options.dataRoot());
        if (options.containers()) {
            ContainerRuntime containers =
                    ContainerRuntime.create(options.projectRoot(), options.dataRoot());
            pods = containers;
            out.println(
                    "Pods        podman containers of "
                            + containers.image("<runtime>")
                            + " (read-only root, non-root user, /tmp tmpfs, host network; logs"
                            + " in "
                            + options.workDir().resolve("pods")
                            + ")");
        }
        kubelet =
                new Kubelet(
                                api.client(),
                                pods,
                                options.workDir(),
                                s -> out.println("         " + s))
                        .start();
        started.add(kubelet);
        // Before the kubelet's first pod: it points the pods' online store at a local Redis.
        onlineStore =
                new LocalOnlineStore(
                        options.redisBinary(),
                        options.workDir().resolve("redis"),
                        s -> out.println("         " + s));
        started.add(onlineStore);
        kubelet.rewriteEnv(onlineStore::rewrite);
        if (onlineStore.installed()) {
            out.println(
                    "Redis       "
                            + options.redisBinary()
                            + " stands in for each redis://host:port of spec.online (started on"
                            + " first use, password from the resource's passwordSecret)");
        } else {
            out.println(
                    "Redis       NOT INSTALLED ("
                            + options.redisBinary()
                            + " missing): a FeatureView or ModelDeployment with spec.online fails"
                            + " to start its pods. Install it (apt-get install redis-server).");
        }
        objectStorage =
                new LocalObjectStorage(options.dataRoot(), s -> out.println("         " + s));
        started.add(objectStorage);
        kubelet.rewriteEnv(objectStorage::rewrite);
        // Before the operator: it watches SparkApplications only when their CRD exists at start.
        started.add(
                new LocalSparkOperator(api.client(), kubelet, s -> out.println("         " + s))
                        .start());
        services =
                new ServiceProxies(api.client(), kubelet, s -> out.println("         " + s))
                        .start();
        started.add(services);
        // a champion's MLCYCLE_SHADOW_URL names its challenger's Service
        kubelet.rewriteEnv(services::rewrite);
        Optional<LocalPrometheus> prom =
                LocalPrometheus.start(
                        options.prometheusBinary(),
                        options.prometheusPort(),
                        options.scrapeInterval(),
                        options.workDir().resolve("prometheus"));
        if (prom.isPresent()) {
            prometheus = prom.get();
            started.add(prometheus);
            kubelet.onEndpoints(prometheus::setTargets);
            out.println(
                    "Prometheus  "
                            + prometheus.url()
                            + " (scrapes the operator and every serving process every "
                            + options.scrapeInterval().toSeconds()
                            + " s)");
        } else {
            out.println(
                    "Prometheus  NOT INSTALLED ("
                            + options.prometheusBinary()
                            + " missing): rollback analysis will be Inconclusive and never roll"
                            + " back. Install it (apt-get install prometheus) to see rollbacks.");
        }
        out.println(
                "Data root   "
                        + options.dataRoot()
                        + " (file:///x → "
                        + options.dataRoot()
                        + "/x)");
        out.println(
                "Operator    starting "
                        + options.projectRoot().resolve("operator/target/quarkus-app"));
        operator = startOperator(false);
        started.add(operator);
        if (prometheus != null) {
            prometheus.setOperator(operator.httpPort());
        }
        out.println("Operator    running (log " + operator.log() + ")");
        table = new ResourceTable(api.client(), out);
        started.add(table);
    }

    private OperatorProcess startOperator(boolean appendLog) {
        return OperatorProcess.start(
                options.projectRoot().resolve("operator/target/quarkus-app"),
                api.url(),
                options.namespace(),
                options.workDir().resolve("logs"),
                Duration.ofSeconds(120),
                appendLog,
                OperatorProcess.LOCAL_JVM_FLAGS,
                options.operatorProperties());
    }

    /**
     * Starts one more operator process against the same API (a second replica, e.g. a leader
     * election standby) with {@code properties} added to the cluster's operator settings, its log
     * in {@code logs/<name>/}; stopped with the cluster.
     */
    public synchronized OperatorProcess startOperatorReplica(
            String name, Map<String, String> properties) {
        Map<String, String> props = new java.util.HashMap<>(options.operatorProperties());
        props.putAll(properties);
        OperatorProcess replica =
                OperatorProcess.start(
                        options.projectRoot().resolve("operator/target/quarkus-app"),
                        api.url(),
                        options.namespace(),
                        options.workDir().resolve("logs").resolve(name),
                        Duration.ofSeconds(120),
                        false,
                        OperatorProcess.LOCAL_JVM_FLAGS,
                        props);
        started.add(replica);
        return replica;
    }

    /** How {@link #restartOperator} ends the running operator. */
    public enum Stop {
        /** SIGTERM, SIGKILL after 30 s: a pod deletion (upgrade, node drain). */
        TERM,
        /** SIGKILL at once: a crashed node or an OOM kill. */
        KILL
    }

    /**
     * Stops the operator process and starts a fresh one against the same API with the same options,
     * its log appended to the old one's; the API, kubelet, pods and servers keep running, as they
     * do in a cluster while the operator pod is rescheduled. Returns the new process.
     */
    public OperatorProcess restartOperator(Stop how) {
        return restartOperator(how, () -> {});
    }

    /**
     * {@link #restartOperator(Stop)} running {@code whileStopped} between the stop and the start:
     * what happens in the cluster while no operator runs (a Job finishing, say).
     */
    public synchronized OperatorProcess restartOperator(Stop how, Runnable whileStopped) {
        OperatorProcess old = operator;
        int slot = started.indexOf(old);
        if (slot < 0) {
            throw new IllegalStateException("the operator is not running (local mode was closed)");
        }
        long t0 = System.nanoTime();
        String ended;
        if (how == Stop.KILL) {
            old.kill();
            ended = "SIGKILL";
        } else {
            ended =
                    old.terminate(Duration.ofSeconds(30))
                            ? "SIGTERM"
                            : "SIGTERM, SIGKILL after 30 s";
        }
        try {
            Files.writeString(
                    old.log(),
                    "----- mlcycle-local: operator pid "
                            + old.pid()
                            + " stopped ("
                            + ended
                            + "), a new one starts -----\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            options.out().println("cannot mark the restart in " + old.log() + ": " + e);
        }
        try {
            whileStopped.run();
            operator = startOperator(true);
            if (prometheus != null) {
                prometheus.setOperator(operator.httpPort());
            }
        } catch (RuntimeException e) {
            started.remove(slot);
            throw e;
        }
        started.set(slot, operator);
        options.out()
                .printf(
                        "Operator    restarted (pid %d stopped by %s, pid %d running after %.1f s;"
                                + " log %s)%n",
                        old.pid(),
                        ended,
                        operator.pid(),
                        (System.nanoTime() - t0) / 1e9,
                        operator.log());
        return operator;
    }

    /** Starts printing the live table. */
    public void watch() {
        table.start();
    }

    public KubernetesClient client() {
        return api.client();
    }

    public MockApi api() {
        return api;
    }

    public Kubelet kubelet() {
        return kubelet;
    }

    public ServiceProxies services() {
        return services;
    }

    public LocalOnlineStore onlineStore() {
        return onlineStore;
    }

    public LocalObjectStorage objectStorage() {
        return objectStorage;
    }

    public Optional<LocalPrometheus> prometheus() {
        return Optional.ofNullable(prometheus);
    }

    public OperatorProcess operator() {
        return operator;
    }

    public Options options() {
        return options;
    }

    /** Applies the YAML of a folder or file; returns what was applied. */
    public List<String> apply(Path folderOrFile) {
        List<HasMetadata> items = Manifests.load(client(), Manifests.files(folderOrFile));
        if (prometheus != null) {
            Manifests.retargetPrometheus(items, DEFAULT_PROMETHEUS_URL, prometheus.url());
        }
        return Manifests.apply(client(), items, options.namespace());
    }

    /** The mlcycle resources as the table last saw them, by kind. */
    public Map<String, List<GenericKubernetesResource>> resources() {
        Map<String, List<GenericKubernetesResource>> m = new LinkedHashMap<>();
        for (String kind : ResourceTable.KINDS) {
            m.put(kind, table.list(kind));
        }
        return m;
    }

    /** Stops every child process and server, newest first. */
    @Override
    public synchronized void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: this is the hook
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                options.out().println("error while stopping " + started.get(i) + ": " + e);
            }
        }
        started.clear();
    }
}
