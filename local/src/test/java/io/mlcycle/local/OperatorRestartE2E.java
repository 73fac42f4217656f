package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real operator process restarted in the middle of a FeatureView → TrainingRun →
 * ModelDeployment chain, as Kubernetes does to its pod at any time: stopped (SIGTERM) after it
 * created the pivot Job but before its status said so, the Job finishing while no operator runs;
 * killed (SIGKILL) while the training Job runs; stopped while the serving replica starts and again
 * once it serves. The chain still finishes with one Job per materialization and training, one v1,
 * the status written before each restart kept, and the serving pods not rolled.
 */
@EndToEndTier
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorRestartE2E {

    static final String NS = "default";
    static final String VIEW = "restart-events";
    static final String RUN = "restart-training";
    static final String MODEL = "restart-model";
    static final String SERVING = "restart-serving";
    static final String AS_OF = "2026-11-20";

    /** {@link SmallChain}'s view and training, and a deployment of the model. */
    static final String MANIFESTS =
            SmallChain.featureView(VIEW, AS_OF)
                    + "---\n"
                    + SmallChain.trainingRun(RUN, MODEL, VIEW)
                    + "---\n"
                    + SmallChain.deployment(SERVING, MODEL, "");

    static LocalCluster cluster;
    static KubernetesClient client;
    static long started;

    @BeforeAll
    static void start() throws IOException {
        started = System.nanoTime();
        LocalCluster.Options o = SmallChain.options("local/target/e2e-restart");
        cluster = LocalCluster.start(o);
        client = cluster.client();
        // The view's status writes fail until the first restart: the operator creates the pivot
        // Job but never records it, as one that dies right after the create would.
        cluster.api()
                .refuseWrites((method, path) -> path.endsWith("/featureviews/" + VIEW + "/status"));
        cluster.watch();
        Path manifests = o.workDir().resolve("restart-chain.yaml");
        Files.writeString(manifests, MANIFESTS);
        cluster.apply(manifests);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        System.out.printf(
                "OperatorRestartE2E: %.0f s in all%n", (System.nanoTime() - started) / 1e9);
    }

    @Test
    @Order(1)
    void aPivotJobTheStatusNeverSawThatFinishedBeforeTheNewOperatorLooksIsRecordedOnce() {
        Job pivot = awaitRunningJob("mlcycle.io/featureview", VIEW);
        assertThat(field("FeatureView", VIEW, "status"))
                .as("the Job is known to the API only")
                .isNull();

        cluster.restartOperator(
                LocalCluster.Stop.TERM,
                () -> {
                    E2eSetup.awaitValue(
                            cluster,
                            "pivot Job " + pivot.getMetadata().getName() + " finished",
                            Duration.ofMinutes(3),
                            Duration.ofMillis(200),
                            () -> job(pivot).getStatus(),
                            status -> finished(job(pivot)));
                    cluster.api().acceptAllWrites();
                });

        awaitState(
                "FeatureView " + VIEW + " Ready",
                () -> "Ready".equals(field("FeatureView", VIEW, "status", "phase")));
        assertThat(E2eSetup.names(jobs("mlcycle.io/featureview", VIEW)))
                .as("pivot Jobs of " + VIEW + ": the one that ran through the restart")
                .containsExactly(pivot.getMetadata().getName());
        assertThat(pivot.getMetadata().getName()).isEqualTo(VIEW + "-pivot-20261120-1");
        assertThat(E2eSetup.names(podsOf(pivot))).hasSize(1);
        assertThat(field("FeatureView", VIEW, "status", "latest", "job"))
                .isEqualTo(pivot.getMetadata().getName());
        assertThat(field("FeatureView", VIEW, "status", "latest", "asOf")).isEqualTo(AS_OF);
        assertThat(
                        ((Number) field("FeatureView", VIEW, "status", "latest", "entities"))
                                .longValue())
                .isGreaterThan(1000);
        assertThat((List<?>) field("FeatureView", VIEW, "status", "history"))
                .as("the materialization is recorded once")
                .hasSize(1);
        assertThat((List<?>) field("FeatureView", VIEW, "status", "active")).isNullOrEmpty();
    }

    @Test
    @Order(2)
    void killedWhileTheTrainingRunsTheModelIsTrainedOnceAndV1Registered() throws Exception {
        // the view is done: nothing of its status may move from here on
        Map<String, Object> viewBefore = status("FeatureView", VIEW);

        Job training = restartWhileRunning("mlcycle.io/trainingrun", RUN, LocalCluster.Stop.KILL);

        awaitState(
                "TrainingRun " + RUN + " Succeeded",
                () -> "Succeeded".equals(field("TrainingRun", RUN, "status", "phase")));
        assertThat(training.getMetadata().getName()).isEqualTo(RUN + "-train-v1-1");
        assertThat(E2eSetup.names(jobs("mlcycle.io/trainingrun", RUN)))
                .as("training Jobs of " + RUN + ": the one that ran through the restart")
                .containsExactly(training.getMetadata().getName());
        assertThat(E2eSetup.names(jobs("mlcycle.io/featureview", VIEW))).hasSize(1);
        assertThat(E2eSetup.names(podsOf(training))).hasSize(1);

        List<GenericKubernetesResource> versions =
                client.genericKubernetesResources(ResourceTable.API_VERSION, "ModelVersion")
                        .inNamespace(NS)
                        .list()
                        .getItems();
        assertThat(versions.stream().map(v -> v.getMetadata().getName()))
                .as("one version, numbered 1")
                .containsExactly(MODEL + "-v1");
        assertThat(field("ModelVersion", MODEL + "-v1", "spec", "version")).isEqualTo(1);
        assertThat(field("ModelVersion", MODEL + "-v1", "status", "approved")).isEqualTo(true);
        assertThat(field("TrainingRun", RUN, "status", "modelVersion")).isEqualTo(MODEL + "-v1");
        assertThat(field("TrainingRun", RUN, "status", "phase")).isEqualTo("Succeeded");
        assertThat((List<?>) field("TrainingRun", RUN, "status", "history"))
                .as("the training is recorded once")
                .hasSize(1);
        assertThat(status("FeatureView", VIEW))
                .as("the view's status across the kill: history kept, no condition bumped")
                .isEqualTo(viewBefore);
    }

    @Test
    @Order(3)
    void stoppedWhileTheDeploymentRollsOutTheStartingReplicaIsKeptAndServes() {
        awaitState(
                "a replica of " + SERVING + " starting",
                () -> {
                    assertThat(Scenario.evaluate(cluster.resources()))
                            .as("the rollout must still be under way to restart in it")
                            .isNotInstanceOf(Scenario.Done.class);
                    return !replicas(false).isEmpty();
                });
        Set<String> starting = replicas(false);
        Deployment deployment = deployment();

        cluster.restartOperator(LocalCluster.Stop.TERM);

        awaitState(
                "the chain done",
                () -> Scenario.evaluate(cluster.resources()) instanceof Scenario.Done);
        assertThat(servingPods())
                .as("the replica that started before the restart")
                .isEqualTo(starting);
        Deployment after = deployment();
        assertThat(after.getMetadata().getUid()).isEqualTo(deployment.getMetadata().getUid());
        assertThat(after.getSpec()).isEqualTo(deployment.getSpec());
        assertThat(field("ModelDeployment", SERVING, "status", "currentVersion")).isEqualTo(1);
    }

    @Test
    @Order(4)
    void stoppedWhileServingTheRestartedOperatorWritesNothingAndRollsNoPod() throws Exception {
        Map<String, Object> before = snapshot();
        Set<String> servingPods = servingPods();
        assertThat(servingPods).hasSize(1);
        Deployment deployment = deployment();
        long logFrom = Files.size(cluster.operator().log());

        cluster.restartOperator(LocalCluster.Stop.TERM);

        // The new process has looked at every resource (each reconcile logs a line) …
        E2eSetup.awaitValue(
                cluster,
                "the new operator reconciled every resource (log " + cluster.operator().log() + ")",
                Duration.ofMinutes(1),
                Duration.ofMillis(200),
                () -> {
                    String log = logSince(cluster.operator().log(), logFrom);
                    return Map.of(
                            "featureview", reconciled(log, "featureview", VIEW),
                            "trainingrun", reconciled(log, "trainingrun", RUN),
                            "modelversion", reconciled(log, "modelversion", MODEL + "-v1"),
                            "modeldeployment", reconciled(log, "modeldeployment", SERVING));
                },
                seen -> !seen.containsValue(false));
        // … and a write of those reconciles would land within milliseconds; leave it ample time.
        Thread.sleep(3000);
        assertThat(cluster.operator().isAlive()).isTrue();

        assertThat(snapshot())
                .as("statuses, Jobs, Pods and ModelVersions after the restart")
                .isEqualTo(before);
        Deployment after = deployment();
        assertThat(after.getMetadata().getGeneration()).isNotNull();
        assertThat(after.getMetadata().getGeneration())
                .isEqualTo(deployment.getMetadata().getGeneration());
        assertThat(after.getMetadata().getAnnotations())
                .isEqualTo(deployment.getMetadata().getAnnotations());
        assertThat(after.getSpec()).isEqualTo(deployment.getSpec());
        assertThat(servingPods()).as("the serving replicas, not rolled").isEqualTo(servingPods);
        assertThat(Scenario.evaluate(cluster.resources())).isInstanceOf(Scenario.Done.class);
    }

    /**
     * Waits for a Job of the owner to run, then restarts the operator while it still does; returns
     * that Job as it was just before the restart.
     */
    static Job restartWhileRunning(String ownerLabel, String owner, LocalCluster.Stop how) {
        Job running = awaitRunningJob(ownerLabel, owner);
        cluster.restartOperator(how);
        return running;
    }

    /** Waits for a Job of the owner that has not finished and returns it. */
    static Job awaitRunningJob(String ownerLabel, String owner) {
        Job[] running = new Job[1];
        awaitState(
                "a Job of " + owner + " running",
                () -> {
                    running[0] =
                            jobs(ownerLabel, owner).stream()
                                    .filter(j -> !finished(j))
                                    .findFirst()
                                    .orElse(null);
                    return running[0] != null;
                });
        return running[0];
    }

    static Job job(Job job) {
        return client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName(job.getMetadata().getName())
                .get();
    }

    static boolean finished(Job job) {
        return job.getStatus() != null
                && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream()
                        .anyMatch(
                                c ->
                                        "True".equals(c.getStatus())
                                                && ("Complete".equals(c.getType())
                                                        || "Failed".equals(c.getType())));
    }

    /**
     * What a restart must leave alone: each resource's status and resourceVersion (no write at
     * all), every Job, Pod and ModelVersion by name.
     */
    static Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>();
        for (String[] r :
                new String[][] {
                    {"FeatureView", VIEW},
                    {"TrainingRun", RUN},
                    {"ModelVersion", MODEL + "-v1"},
                    {"ModelDeployment", SERVING}
                }) {
            s.put(r[0] + " " + r[1], status(r[0], r[1]));
            s.put(
                    r[0] + " " + r[1] + " resourceVersion",
                    client.genericKubernetesResources(ResourceTable.API_VERSION, r[0])
                            .inNamespace(NS)
                            .withName(r[1])
                            .get()
                            .getMetadata()
                            .getResourceVersion());
        }
        s.put(
                "ModelVersions",
                E2eSetup.names(
                        client.genericKubernetesResources(ResourceTable.API_VERSION, "ModelVersion")
                                .inNamespace(NS)
                                .list()
                                .getItems()));
        s.put("Jobs", E2eSetup.names(client.batch().v1().jobs().inNamespace(NS).list().getItems()));
        s.put("Pods", E2eSetup.names(client.pods().inNamespace(NS).list().getItems()));
        return s;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> status(String kind, String name) {
        Object s = field(kind, name, "status");
        assertThat(s).as(kind + " " + name + " status").isInstanceOf(Map.class);
        return (Map<String, Object>) s;
    }

    static Object field(String kind, String name, String... path) {
        return E2eSetup.field(client, NS, kind, name, path);
    }

    static List<Job> jobs(String ownerLabel, String owner) {
        return client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(ownerLabel, owner)
                .list()
                .getItems();
    }

    static List<Pod> podsOf(Job job) {
        return client.pods()
                .inNamespace(NS)
                .withLabel("job-name", job.getMetadata().getName())
                .list()
                .getItems();
    }

    static Deployment deployment() {
        List<Deployment> ds =
                client.apps()
                        .deployments()
                        .inNamespace(NS)
                        .withLabel("mlcycle.io/modeldeployment", SERVING)
                        .list()
                        .getItems();
        assertThat(ds).as("Deployments of " + SERVING).hasSize(1);
        return ds.get(0);
    }

    /** The ready serving replicas of the deployment, by pod name. */
    static Set<String> servingPods() {
        return replicas(true);
    }

    /** The running replicas of the deployment that are (not) ready, by pod name. */
    static Set<String> replicas(boolean ready) {
        return cluster.kubelet().endpoints().stream()
                .filter(
                        e ->
                                e.ready() == ready
                                        && SERVING.equals(
                                                e.labels().get("mlcycle.io/modeldeployment")))
                .map(Kubelet.Endpoint::pod)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Whether the log has the reconcile line of a controller for the named resource. */
    static boolean reconciled(String log, String controller, String name) {
        return log.lines()
                .anyMatch(
                        l ->
                                l.contains("(ReconcilerExecutor-" + controller + "-")
                                        && l.contains("Reconciling resource")
                                        && l.contains("name='" + name + "'"));
    }

    static String logSince(Path log, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            byte[] b = new byte[(int) Math.max(0, f.length() - offset)];
            f.seek(offset);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** Waits for a condition, failing early when the operator died or something Failed. */
    static void awaitState(String what, java.util.concurrent.Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(3), Duration.ofMillis(100), c);
    }
}
