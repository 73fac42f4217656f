package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real operator process restarted while a ModelDeployment rolls from v1 to v2, in a canary's
 * second step and while the canary promotes, and killed after deciding a rollback from v3 but
 * before its status write: each version rolls out once (pods started counted), the canary goes on
 * from its step with the same canary Deployment and is promoted, each Event is told once, and the
 * rolled-back v3 stays RolledBack with v2 serving and the rollback recorded.
 */
@EndToEndTier
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutRestartE2E {

    static final String NS = "default";
    static final String VIEW = "rollout-events";
    static final String RUN = "rollout-training";
    static final String RUN_2 = "rollout-training-2";
    static final String RUN_3 = "rollout-training-3";
    static final String MODEL = "rollout-model";
    static final String SERVING = "rollout-serving";
    static final String CANARY = "rollout-canary";

    /** The canary deployment's spec beyond model, version and replicas. */
    static final String CANARY_SPEC =
            """
            rollout:
              canary:
                weight: 50
                steps: 2
                maxWeight: 50
                stepInterval: 5s
            """
                    + SmallChain.rollback(
                            LocalCluster.DEFAULT_PROMETHEUS_URL,
                            "2s",
                            """
                            - name: ready
                              query: max(mlcycle_model_ready{deployment="{{name}}",version="{{version}}"})
                              min: 0.5
                            """);

    /** {@link SmallChain}'s view and training, and two deployments of its model. */
    static final String MANIFESTS =
            String.join(
                    "---\n",
                    SmallChain.featureView(VIEW, "2026-11-20"),
                    SmallChain.trainingRun(RUN, MODEL, VIEW),
                    SmallChain.deployment(SERVING, MODEL, ""),
                    SmallChain.deployment(CANARY, MODEL, "latestApproved", 2, CANARY_SPEC));

    static LocalCluster cluster;
    static KubernetesClient client;
    static Path work;
    static long started;
    static Set<String> v1Pods;

    @BeforeAll
    static void start() throws IOException {
        assertThat(LocalPrometheus.DEFAULT_BINARY)
                .as("the canary's analysis needs a local Prometheus (apt-get install prometheus)")
                .isRegularFile();
        started = System.nanoTime();
        LocalCluster.Options o = SmallChain.options("local/target/e2e-rollout-restart");
        work = o.workDir();
        cluster = LocalCluster.start(o);
        client = cluster.client();
        cluster.watch();
        Path manifests = work.resolve("rollout-chain.yaml");
        Files.writeString(manifests, MANIFESTS);
        cluster.apply(manifests);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        System.out.printf(
                "RolloutRestartE2E: %.0f s in all%n", (System.nanoTime() - started) / 1e9);
    }

    @Test
    @Order(1)
    void bothDeploymentsServeV1ThenV2IsTrained() throws IOException {
        awaitState(
                "both deployments serving v1",
                () ->
                        Integer.valueOf(1).equals(field(SERVING, "status", "currentVersion"))
                                && Integer.valueOf(1)
                                        .equals(field(CANARY, "status", "currentVersion"))
                                && "Available".equals(field(SERVING, "status", "phase"))
                                && "Available".equals(field(CANARY, "status", "phase")));
        assertThat(field(CANARY, "status", "canary"))
                .as("nothing served before v1: no canary")
                .isNull();
        v1Pods = replicas(SERVING, true);
        assertThat(v1Pods).hasSize(1);

        Path second = work.resolve("rollout-training-2.yaml");
        Files.writeString(second, SmallChain.trainingRun(RUN_2, MODEL, VIEW));
        cluster.apply(second);
    }

    @Test
    @Order(2)
    void stoppedWhileV1RollsToV2TheDeploymentRollsOnceAndServesV2() throws IOException {
        // the operator points the Deployment at v2 (status says so) while the v1 pod still serves
        awaitState(
                SERVING + " rolling to v2",
                () -> Integer.valueOf(2).equals(field(SERVING, "status", "currentVersion")));
        Deployment rolling = stable(SERVING);
        assertThat(replicas(SERVING, true))
                .as("the rollout must still be under way to restart in it: the v1 pod serves")
                .isEqualTo(v1Pods);

        cluster.restartOperator(LocalCluster.Stop.TERM);

        awaitState(
                SERVING + " serving v2",
                () ->
                        "Available".equals(field(SERVING, "status", "phase"))
                                && replicas(SERVING, false).isEmpty()
                                && replicas(SERVING, true).size() == 1
                                && !replicas(SERVING, true).equals(v1Pods));
        assertThat(field(SERVING, "status", "currentVersion")).isEqualTo(2);
        assertThat(field(SERVING, "status", "previousVersion")).isEqualTo(1);
        assertThat(field(SERVING, "status", "modelVersion")).isEqualTo(MODEL + "-v2");
        assertThat(podsStarted(SERVING))
                .as(
                        "pods "
                                + SERVING
                                + " ever started: the v1 one and one v2, not a second rollout")
                .hasSize(2)
                .containsAll(v1Pods)
                .containsAll(replicas(SERVING, true));
        Deployment after = stable(SERVING);
        assertThat(after.getMetadata().getUid()).isEqualTo(rolling.getMetadata().getUid());
        assertThat(after.getMetadata().getGeneration())
                .as("the Deployment's spec changed once, before the restart")
                .isEqualTo(rolling.getMetadata().getGeneration());
        assertThat(after.getSpec()).isEqualTo(rolling.getSpec());
        assertThat(
                        E2eSetup.names(
                                client.genericKubernetesResources(
                                                ResourceTable.API_VERSION, "ModelVersion")
                                        .inNamespace(NS)
                                        .list()
                                        .getItems()))
                .containsExactly(MODEL + "-v1", MODEL + "-v2");
        List<Event> changed = events(SERVING, "VersionChanged");
        assertThat(changed).as("VersionChanged Events of " + SERVING).hasSize(1);
        assertThat(changed.get(0).getMessage()).contains("version 2, was 1");
        assertThat(changed.get(0).getCount()).as("told once").isEqualTo(1);
    }

    @Test
    @Order(3)
    void killedInTheCanarysSecondStepItGoesOnFromThatStepAndIsPromoted() {
        awaitState(
                "the canary of " + CANARY + " in step 2",
                () ->
                        Integer.valueOf(2).equals(field(CANARY, "status", "canary", "step"))
                                && "Progressing"
                                        .equals(field(CANARY, "status", "canary", "phase")));
        Deployment canary = canaryDeployment().get(0);
        String stepStart = (String) field(CANARY, "status", "canary", "stepStartTime");

        cluster.restartOperator(LocalCluster.Stop.KILL);

        Set<String> canaryUids = new TreeSet<>();
        canaryUids.add(canary.getMetadata().getUid());
        java.util.concurrent.Callable<Object> phase =
                () -> {
                    canaryDeployment().forEach(d -> canaryUids.add(d.getMetadata().getUid()));
                    Object p = field(CANARY, "status", "canary", "phase");
                    if ("Progressing".equals(p)) {
                        assertThat(field(CANARY, "status", "canary", "step"))
                                .as("the step across the restart")
                                .isEqualTo(2);
                        assertThat(field(CANARY, "status", "canary", "stepStartTime"))
                                .as("step 2 not started again")
                                .isEqualTo(stepStart);
                    }
                    assertThat(p).as("canary phase").isNotEqualTo("Aborted");
                    return p;
                };
        // once more while the stable Deployment rolls to v2 and the canary pod still serves
        awaitState(
                "the canary of " + CANARY + " promoting", () -> "Promoting".equals(phase.call()));
        Deployment promoting = stable(CANARY);
        cluster.restartOperator(LocalCluster.Stop.TERM);

        awaitState(
                "the canary of " + CANARY + " promoted",
                () ->
                        "Succeeded".equals(phase.call())
                                && Integer.valueOf(2)
                                        .equals(field(CANARY, "status", "currentVersion")));
        assertThat(stable(CANARY).getMetadata().getGeneration())
                .as("the stable Deployment rolled to v2 once, before the restart")
                .isEqualTo(promoting.getMetadata().getGeneration());
        assertThat(canaryUids).as("one canary Deployment across the restart").hasSize(1);
        assertThat(field(CANARY, "status", "previousVersion")).isEqualTo(1);
        assertThat(field(CANARY, "status", "canary", "version")).isEqualTo(2);
        for (String reason :
                new String[] {"CanaryStarted", "CanaryStepPassed", "CanaryPromoting"}) {
            List<Event> es = events(CANARY, reason);
            assertThat(es).as(reason + " Events of " + CANARY).hasSize(1);
            assertThat(es.get(0).getCount()).as(reason + " told once").isEqualTo(1);
        }
        awaitState("the canary Deployment gone", () -> canaryDeployment().isEmpty());
        assertThat(field(CANARY, "status", "rollbacks"))
                .satisfiesAnyOf(
                        r -> assertThat(r).isNull(), r -> assertThat((List<?>) r).isEmpty());
    }

    @Test
    @Order(4)
    void killedAfterDecidingARollbackBeforeItsStatusWriteItIsRecordedAndV2KeepsServing()
            throws Exception {
        // the canary deployment stays on v2; the plain one gets an analysis that fails for v3 only
        patchSpec(CANARY, Map.of("version", "2"));
        patchSpec(
                SERVING,
                Map.of(
                        "rollback",
                        Map.of(
                                "prometheus",
                                Map.of("url", cluster.prometheus().orElseThrow().url()),
                                "interval",
                                "2s",
                                "failureThreshold",
                                2,
                                "metrics",
                                List.of(
                                        Map.of(
                                                "name",
                                                "ready-below-v3",
                                                "query",
                                                "max(mlcycle_model_ready{deployment=\"{{name}}\","
                                                        + "version=\"{{version}}\"})"
                                                        + " - ({{version}} > bool 2)",
                                                "min",
                                                0.5)))));
        Path third = work.resolve("rollout-training-3.yaml");
        Files.writeString(third, SmallChain.trainingRun(RUN_3, MODEL, VIEW));
        cluster.apply(third);

        // one failed analysis of v3 recorded; the next decides the rollback, but the operator
        // dies before its status write: it marked v3 and rolled the Deployment only. The API
        // server refuses this deployment's status writes from the one after the write recording
        // v3's first failure: decided as the writes arrive, so however loaded the machine, the
        // test never misses the interval between the two analyses.
        AtomicBoolean firstFailureWritten = new AtomicBoolean();
        AtomicBoolean refusing = new AtomicBoolean();
        cluster.api()
                .observeRequests(
                        r -> {
                            if (isStatusWrite(r.getMethod(), r.getPath())) {
                                if (firstFailureWritten.get()) {
                                    refusing.set(true);
                                } else if (recordsFailures(r.getBody().getBytes(), 3, 1)) {
                                    firstFailureWritten.set(true);
                                }
                            }
                        });
        cluster.api().refuseWrites((method, path) -> refusing.get() && isStatusWrite(method, path));
        awaitState("the status write recording v3's first failure", firstFailureWritten::get);
        awaitState(
                "v3 marked rolled back by " + SERVING,
                () ->
                        "RolledBack"
                                .equals(
                                        E2eSetup.field(
                                                client,
                                                NS,
                                                "ModelVersion",
                                                MODEL + "-v3",
                                                "status",
                                                "phase")));
        assertThat(field(SERVING, "status", "rollbacks")).asList().isEmpty();
        cluster.restartOperator(
                LocalCluster.Stop.KILL,
                () -> {
                    cluster.api().observeRequests(null);
                    cluster.api().acceptAllWrites();
                });

        awaitState(
                SERVING + " Available on v2 again",
                () ->
                        Integer.valueOf(2).equals(field(SERVING, "status", "currentVersion"))
                                && replicas(SERVING, false).isEmpty()
                                && !replicas(SERVING, true).isEmpty());
        Deployment settled = stable(SERVING);
        Set<String> pods = replicas(SERVING, true);
        // two more analyses of v2 by the new operator: no flip back to v3
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until) {
            assertThat(field(SERVING, "status", "currentVersion")).isEqualTo(2);
            Thread.sleep(100);
        }
        assertThat(cluster.operator().isAlive()).isTrue();
        assertThat(E2eSetup.field(client, NS, "ModelVersion", MODEL + "-v3", "status", "phase"))
                .isEqualTo("RolledBack");
        assertThat((List<?>) field(SERVING, "status", "rollbacks"))
                .as("the rollback the stopped operator decided, recorded by the new one")
                .hasSize(1);
        assertThat(((List<?>) field(SERVING, "status", "rollbacks")).get(0))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("fromVersion", 3)
                .containsEntry("toVersion", 2);
        assertThat(field(SERVING, "status", "phase")).isEqualTo("RolledBack");
        assertThat(stable(SERVING).getMetadata().getGeneration())
                .as("no rollout after the rollback's")
                .isEqualTo(settled.getMetadata().getGeneration());
        assertThat(replicas(SERVING, true)).isEqualTo(pods);
        assertThat(podsStarted(SERVING))
                .as("pods of " + SERVING + ": v1, v2, v3 and v2 again, no flip-flop")
                .hasSize(4);
        List<Event> rolledBack = events(SERVING, "RolledBack");
        assertThat(rolledBack).hasSize(1);
        assertThat(rolledBack.get(0).getCount()).as("told once").isEqualTo(1);
        assertThat(field(CANARY, "status", "currentVersion")).isEqualTo(2);
    }

    /** A write (not a read) of {@link #SERVING}'s status; the path may carry a query. */
    static boolean isStatusWrite(String method, String path) {
        if ("GET".equalsIgnoreCase(method) || path == null) {
            return false;
        }
        int q = path.indexOf('?');
        return (q < 0 ? path : path.substring(0, q))
                .endsWith("/modeldeployments/" + SERVING + "/status");
    }

    /**
     * Whether a status write (a whole object, a merge patch or a JSON patch) records an analysis of
     * {@code version} with {@code failures} consecutive failures.
     */
    static boolean recordsFailures(byte[] body, int version, int failures) {
        try {
            JsonNode json =
                    Serialization.unmarshal(
                            new String(body, java.nio.charset.StandardCharsets.UTF_8),
                            JsonNode.class);
            return hasAnalysis(json, version, failures);
        } catch (RuntimeException notJson) {
            return false;
        }
    }

    private static boolean hasAnalysis(JsonNode node, int version, int failures) {
        if (node == null) {
            return false;
        }
        if (node.path("version").asInt(-1) == version
                && node.path("consecutiveFailures").asInt(-1) == failures) {
            return true;
        }
        for (JsonNode child : node) {
            if (hasAnalysis(child, version, failures)) {
                return true;
            }
        }
        return false;
    }

    static void patchSpec(String deployment, Map<String, Object> fields) {
        client.genericKubernetesResources(ResourceTable.API_VERSION, "ModelDeployment")
                .inNamespace(NS)
                .withName(deployment)
                .edit(
                        r -> {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> spec =
                                    (Map<String, Object>) r.getAdditionalProperties().get("spec");
                            spec.putAll(fields);
                            return r;
                        });
    }

    static Object field(String deployment, String... path) {
        return E2eSetup.field(client, NS, "ModelDeployment", deployment, path);
    }

    static List<Event> events(String deployment, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(
                        e ->
                                deployment.equals(e.getInvolvedObject().getName())
                                        && reason.equals(e.getReason()))
                .toList();
    }

    static List<Deployment> deployments(String md) {
        return client.apps()
                .deployments()
                .inNamespace(NS)
                .withLabel("mlcycle.io/modeldeployment", md)
                .list()
                .getItems();
    }

    static Deployment stable(String md) {
        List<Deployment> ds =
                deployments(md).stream().filter(d -> d.getMetadata().getName().equals(md)).toList();
        assertThat(ds).as("the stable Deployment of " + md).hasSize(1);
        return ds.get(0);
    }

    static List<Deployment> canaryDeployment() {
        return deployments(CANARY).stream()
                .filter(d -> !d.getMetadata().getName().equals(CANARY))
                .toList();
    }

    /** The running stable replicas of a deployment that are (not) ready, by pod name. */
    static Set<String> replicas(String md, boolean ready) {
        return cluster.kubelet().endpoints().stream()
                .filter(
                        e ->
                                e.ready() == ready
                                        && md.equals(e.labels().get("mlcycle.io/modeldeployment"))
                                        && !"canary".equals(e.labels().get("mlcycle.io/track")))
                .map(Kubelet.Endpoint::pod)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every pod of the deployment's stable Deployment the kubelet ever started, by name. */
    static Set<String> podsStarted(String md) throws IOException {
        try (var dirs = Files.list(work.resolve("pods").resolve(NS))) {
            return dirs.map(d -> d.getFileName().toString())
                    .filter(n -> n.startsWith(md + "-") && !n.startsWith(md + "-canary-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    static void awaitState(String what, java.util.concurrent.Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(3), Duration.ofMillis(100), c);
    }
}
