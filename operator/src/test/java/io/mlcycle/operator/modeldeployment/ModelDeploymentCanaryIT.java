package io.mlcycle.operator.modeldeployment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.analysis.MetricsEndpoint;
import io.mlcycle.operator.analysis.PrometheusProcess;
import io.mlcycle.operator.analysis.WebhookReceiver;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.CanaryPhase;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.testing.RealServersTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.assertCanaryOfTwoAborted;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.precisionAnalysis;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveVersionOne;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.closeAll;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.events;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Weighted canary end to end on the mock API server: a real Prometheus scrapes a metrics endpoint
 * whose feedback counters per version the test drives; the operator splits the pods, steps the
 * canary on, and promotes or aborts it.
 */
@RealServersTier
@QuarkusTest
class ModelDeploymentCanaryIT {

    private static final Duration STEP = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    private MetricsEndpoint metrics;
    private PrometheusProcess prometheus;
    private WebhookReceiver hook;
    private ScheduledExecutorService ticker;

    /**
     * The canary step at which {@link ModelDeployments#tickCanary} stops moving the clock, so a
     * test can look at a step's split before the operator analyses it and moves on.
     */
    private volatile int holdAtStep = Integer.MAX_VALUE;

    @AfterEach
    void stopAll() throws Exception {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        closeAll(prometheus, metrics, hook);
    }

    private ModelDeployment md(String name) {
        return client.resources(ModelDeployment.class).inNamespace(NS).withName(name).get();
    }

    private ModelDeployment awaitMd(String name, Predicate<ModelDeployment> until) {
        return Cluster.awaitResource(
                client,
                ModelDeployment.class,
                name,
                WAIT,
                m -> m.getStatus() != null && until.test(m));
    }

    private static boolean canaryIs(ModelDeployment m, CanaryPhase phase) {
        return m.getStatus().canary != null && m.getStatus().canary.phase == phase;
    }

    private static ModelDeploymentSpec.Rollout canary(int weight, int steps) {
        ModelDeploymentSpec.Rollout rollout = new ModelDeploymentSpec.Rollout();
        rollout.canary = new ModelDeploymentSpec.Canary();
        rollout.canary.weight = weight;
        rollout.canary.steps = steps;
        rollout.canary.stepInterval = STEP.toSeconds() + "s";
        return rollout;
    }

    private void tickCanary(String name) {
        ModelDeployments.tickCanary(ticker, client, clock, name, STEP, () -> holdAtStep);
    }

    /** Positive predictions of {@code version}, {@code rightInFive} of every five right. */
    private void feedback(String name, int version, int rightInFive) {
        for (int actual = 0; actual <= 1; actual++) {
            metrics.set(MetricsEndpoint.feedback(name, version, 1, actual), 0);
        }
        ticker.scheduleAtFixedRate(
                () -> {
                    metrics.add(MetricsEndpoint.feedback(name, version, 1, 1), rightInFive);
                    metrics.add(MetricsEndpoint.feedback(name, version, 1, 0), 5 - rightInFive);
                },
                0,
                250,
                TimeUnit.MILLISECONDS);
    }

    /**
     * The stable Deployment once it wants {@code replicas} pods (it is edited after the canary).
     */
    private Deployment awaitStableReplicas(String name, int replicas) {
        return Cluster.awaitResource(
                client, Deployment.class, name, WAIT, d -> d.getSpec().getReplicas() == replicas);
    }

    private Deployment canaryDeployment(String name) {
        return servingDeployment(client, name + "-canary");
    }

    private Deployment awaitCanaryDeployment(String name) {
        return Cluster.awaitResource(client, Deployment.class, name + "-canary", WAIT, d -> true);
    }

    /** Starts the metrics endpoint, a Prometheus scraping it, and the feedback ticker. */
    private void startAnalysis() throws IOException {
        metrics = MetricsEndpoint.start();
        prometheus = PrometheusProcess.start(List.of(metrics.target()));
        ticker = Executors.newScheduledThreadPool(3);
    }

    @Test
    void aHealthyCanaryRunsBesideTheStableWithTheWeightedSplitStepsOnAndIsPromoted()
            throws IOException {
        String name = "md-canary-ok";
        startAnalysis();
        feedback(name, 1, 4);
        feedback(name, 2, 4);

        ModelDeployment md = deployment(name, "m-canary-ok");
        md.getSpec().replicas = 5;
        md.getSpec().rollback = precisionAnalysis(prometheus.url(), "1h", 2);
        md.getSpec().rollout = canary(20, 2);
        md.getSpec().rollout.canary.compareToStable = true;
        serveVersionOne(client, md, WAIT);

        version(client, "m-canary-ok", 2, true);

        // Step 1: 20 % of 5 pods is one canary pod; the stable keeps version 1 on the other four.
        Deployment canary = awaitCanaryDeployment(name);
        assertThat(serveTask(canary).version()).isEqualTo(2);
        assertThat(canary.getSpec().getReplicas()).isEqualTo(1);
        var podLabels = canary.getSpec().getTemplate().getMetadata().getLabels();
        Service svc = client.services().inNamespace(NS).withName(name).get();
        assertThat(podLabels)
                .containsAllEntriesOf(svc.getSpec().getSelector())
                .containsEntry("mlcycle.io/track", "canary")
                .containsEntry("mlcycle.io/model-version", "2");
        assertThat(canary.getSpec().getSelector().getMatchLabels())
                .containsEntry("mlcycle.io/track", "canary");
        assertThat(canary.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo(name));
        Deployment stable = awaitStableReplicas(name, 4);
        assertThat(serveTask(stable).version()).isEqualTo(1);
        ModelDeployment started = awaitMd(name, m -> canaryIs(m, CanaryPhase.Progressing));
        ModelDeploymentStatus.Canary c = started.getStatus().canary;
        assertThat(c.version).isEqualTo(2);
        assertThat(c.stableVersion).isEqualTo(1);
        assertThat(c.step).isEqualTo(1);
        assertThat(c.steps).isEqualTo(2);
        assertThat(c.weight).isEqualTo(20);
        assertThat(c.canaryReplicas).isEqualTo(1);
        assertThat(c.stableReplicas).isEqualTo(4);
        assertThat(started.getStatus().currentVersion).isEqualTo(1);
        assertThat(started.getStatus().phase).isEqualTo(Phase.Progressing);
        assertThat(hasEvent(client, name, "CanaryStarted")).isTrue();

        markReady(client, name);
        markReady(client, name + "-canary");
        // Time stops at step 2 until its split is checked: otherwise the operator may analyse it
        // and promote before this thread sees the stable Deployment at three pods.
        holdAtStep = 2;
        tickCanary(name);

        // Step 2: 40 % is two of five pods.
        ModelDeployment second =
                awaitMd(name, m -> m.getStatus().canary != null && m.getStatus().canary.step == 2);
        assertThat(second.getStatus().canary.weight).isEqualTo(40);
        assertThat(second.getStatus().canary.analysis.verdict).isEqualTo("Passed");
        assertThat(second.getStatus().canary.analysis.metrics.get(0).value).isBetween(0.7, 0.9);
        assertThat(second.getStatus().canary.analysis.metrics.get(0).stableValue)
                .isBetween(0.7, 0.9);
        assertThat(canaryDeployment(name).getSpec().getReplicas()).isEqualTo(2);
        awaitStableReplicas(name, 3);
        assertThat(hasEvent(client, name, "CanaryStepPassed")).isTrue();
        markReady(client, name);
        markReady(client, name + "-canary");
        holdAtStep = Integer.MAX_VALUE;

        // After the last step: the stable Deployment rolls to version 2 on every pod.
        ModelDeployment promoting = awaitMd(name, m -> canaryIs(m, CanaryPhase.Promoting));
        assertThat(promoting.getStatus().currentVersion).isEqualTo(2);
        assertThat(promoting.getStatus().previousVersion).isEqualTo(1);
        stable = servingDeployment(client, name);
        assertThat(serveTask(stable).version()).isEqualTo(2);
        assertThat(stable.getSpec().getReplicas()).isEqualTo(5);
        assertThat(canaryDeployment(name)).as("canary serves until the stable rolled").isNotNull();

        markReady(client, name);
        ModelDeployment done = awaitMd(name, m -> canaryIs(m, CanaryPhase.Succeeded));
        assertThat(done.getStatus().canary.weight).isEqualTo(100);
        await("the canary Deployment of " + name + " deleted")
                .atMost(WAIT)
                .until(() -> canaryDeployment(name) == null);
        awaitMd(name, m -> m.getStatus().phase == Phase.Available);
        assertThat(events(client, name))
                .extracting(e -> e.getReason())
                .contains("CanaryPromoting", "CanaryPromoted", "VersionChanged");
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withName("m-canary-ok-v2")
                                .get()
                                .getMetadata()
                                .getAnnotations())
                .doesNotContainKey(ModelVersion.ROLLED_BACK_ANNOTATION);
    }

    @Test
    void aFailingCanaryIsAbortedTheStableKeepsServingAndTheVersionIsMarkedRolledBack()
            throws Exception {
        String name = "md-canary-bad";
        startAnalysis();
        hook = WebhookReceiver.start();
        List<String> posts = hook.posts();
        feedback(name, 1, 4);
        // one in five positive predictions of version 2 is right: precision 0.2 < 0.5
        feedback(name, 2, 1);

        ModelDeployment md = deployment(name, "m-canary-bad");
        md.getSpec().replicas = 2;
        md.getSpec().rollback = precisionAnalysis(prometheus.url(), "1h", 2);
        md.getSpec().rollback.webhook = new ModelDeploymentSpec.Webhook();
        md.getSpec().rollback.webhook.url = hook.url();
        md.getSpec().rollout = canary(50, 3);
        serveVersionOne(client, md, WAIT);

        version(client, "m-canary-bad", 2, true);
        awaitCanaryDeployment(name);
        assertThat(canaryDeployment(name).getSpec().getReplicas()).isEqualTo(1);
        assertThat(serveTask(awaitStableReplicas(name, 1)).version()).isEqualTo(1);
        markReady(client, name);
        markReady(client, name + "-canary");
        tickCanary(name);

        ModelDeployment aborted = awaitMd(name, m -> canaryIs(m, CanaryPhase.Aborted));
        ModelDeploymentStatus status = aborted.getStatus();
        assertThat(status.canary.step).isEqualTo(1);
        assertThat(status.canary.weight).isZero();
        assertThat(status.canary.analysis.verdict).isEqualTo("Failed");
        assertThat(status.canary.analysis.consecutiveFailures).isEqualTo(2);
        assertThat(status.canary.analysis.metrics.get(0).value).isBetween(0.15, 0.25);
        assertThat(status.canary.message)
                .contains("aborted")
                .contains("stable version 1 keeps serving")
                .contains("below min 0.5");
        assertCanaryOfTwoAborted(status);

        await("the canary Deployment of " + name + " deleted")
                .atMost(WAIT)
                .until(() -> canaryDeployment(name) == null);
        Deployment stable = awaitStableReplicas(name, 2);
        assertThat(serveTask(stable).version()).isEqualTo(1);
        markReady(client, name);
        awaitMd(name, m -> m.getStatus().phase == Phase.RolledBack);
        ModelVersion bad =
                client.resources(ModelVersion.class)
                        .inNamespace(NS)
                        .withName("m-canary-bad-v2")
                        .get();
        assertThat(bad.getMetadata().getAnnotations())
                .hasEntrySatisfying(
                        ModelVersion.ROLLED_BACK_ANNOTATION,
                        v -> assertThat(v).contains("online-precision"));
        assertThat(events(client, name))
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("CanaryAborted");
                            assertThat(e.getType()).isEqualTo("Warning");
                        })
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("CanaryAnalysisFailed"));
        await("one webhook post").atMost(WAIT).until(() -> posts.size() == 1);
        var post = new ObjectMapper().readTree(posts.get(0));
        assertThat(post.get("event").asText()).isEqualTo("CanaryAborted");
        assertThat(post.get("text").asText()).contains(name).contains("canary of version 2");
        // latestApproved skips the aborted version: no new canary of it.
        assertThat(md(name).getStatus().canary.phase).isEqualTo(CanaryPhase.Aborted);
        assertThat(canaryDeployment(name)).isNull();
    }

    @Test
    void aCanaryWhoseServedFeaturesDriftFromTrainingIsAbortedNamingThem() throws Exception {
        String name = "md-canary-skew";
        startAnalysis();
        DriftedFeatures.export(metrics, name, 2);
        ticker.scheduleAtFixedRate(
                () -> DriftedFeatures.tick(metrics, name, 2), 0, 250, TimeUnit.MILLISECONDS);

        ModelDeployment md = deployment(name, "m-canary-skew");
        md.getSpec().replicas = 2;
        md.getSpec().rollback = precisionAnalysis(prometheus.url(), "1h", 2);
        ModelDeploymentSpec.Metric skew = ModelDeployments.skewMetric();
        md.getSpec().rollback.metrics = List.of(skew);
        md.getSpec().rollout = canary(50, 3);
        serveVersionOne(client, md, WAIT);

        version(client, "m-canary-skew", 2, true);
        awaitCanaryDeployment(name);
        markReady(client, name);
        markReady(client, name + "-canary");
        tickCanary(name);

        ModelDeployment aborted = awaitMd(name, m -> canaryIs(m, CanaryPhase.Aborted));
        ModelDeploymentStatus status = aborted.getStatus();
        assertThat(status.canary.analysis.metrics.get(0).name).isEqualTo("skew");
        assertThat(status.canary.analysis.metrics.get(0).value).isGreaterThan(0.2);
        assertThat(status.canary.message)
                .contains("aborted")
                .contains("above max 0.2")
                .contains("events/e0")
                .contains("events/e3");
        assertThat(status.currentVersion).isEqualTo(1);
        assertThat(status.rollbacks.get(0).metric).isEqualTo("skew");
        assertThat(events(client, name))
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("CanaryAborted");
                            assertThat(e.getMessage()).contains("events/e0");
                        });
    }

    @Test
    void withPrometheusUnreachableTheCanaryWaitsInconclusiveAndIsNeverAborted() throws IOException {
        String name = "md-canary-dark";
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ticker = Executors.newScheduledThreadPool(1);
        ModelDeployment md = deployment(name, "m-canary-dark");
        md.getSpec().replicas = 4;
        md.getSpec().rollback = precisionAnalysis("http://127.0.0.1:" + closedPort, "1h", 1);
        md.getSpec().rollout = canary(25, 2);
        serveVersionOne(client, md, WAIT);

        version(client, "m-canary-dark", 2, true);
        awaitCanaryDeployment(name);
        markReady(client, name);
        markReady(client, name + "-canary");
        tickCanary(name);

        ModelDeployment first =
                awaitMd(
                        name,
                        m -> m.getStatus().canary != null && m.getStatus().canary.analysis != null);
        Instant since = Instant.parse(first.getStatus().canary.analysis.lastRun);
        ModelDeployment later =
                awaitMd(
                        name,
                        m ->
                                m.getStatus().canary != null
                                        && m.getStatus().canary.analysis != null
                                        && !Instant.parse(m.getStatus().canary.analysis.lastRun)
                                                .isBefore(since.plus(STEP.multipliedBy(3))));
        ModelDeploymentStatus status = later.getStatus();
        assertThat(status.canary.phase).isEqualTo(CanaryPhase.Progressing);
        assertThat(status.canary.step).isEqualTo(1);
        assertThat(status.canary.analysis.verdict).isEqualTo("Inconclusive");
        assertThat(status.canary.analysis.consecutiveFailures).isZero();
        assertThat(condition(status, "AnalysisInconclusive"))
                .hasValueSatisfying(
                        cond -> {
                            assertThat(cond.getStatus()).isEqualTo("True");
                            assertThat(cond.getMessage())
                                    .startsWith("canary version 2: ")
                                    .contains("unreachable");
                        });
        assertThat(status.rollbacks).isEmpty();
        assertThat(status.currentVersion).isEqualTo(1);
        assertThat(canaryDeployment(name).getSpec().getReplicas()).isEqualTo(1);
        assertThat(servingDeployment(client, name).getSpec().getReplicas()).isEqualTo(3);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withName("m-canary-dark-v2")
                                .get()
                                .getMetadata()
                                .getAnnotations())
                .doesNotContainKey(ModelVersion.ROLLED_BACK_ANNOTATION);

        // Taking rollout.canary out rolls the new version to every pod and removes the canary.
        io.mlcycle.operator.testing.Cluster.edit(
                client,
                ModelDeployment.class,
                name,
                m -> {
                    m.getSpec().rollout = null;
                    return m;
                });
        await("the canary Deployment of " + name + " deleted")
                .atMost(WAIT)
                .until(() -> canaryDeployment(name) == null);
        Deployment stable =
                Cluster.awaitResource(
                        client, Deployment.class, name, WAIT, d -> serveTask(d).version() == 2);
        assertThat(stable.getSpec().getReplicas()).isEqualTo(4);
        assertThat(hasEvent(client, name, "CanaryCancelled")).isTrue();
        awaitMd(name, m -> m.getStatus().canary == null);
    }

    @Test
    void aCanaryDeploymentThatCannotRollOutIsAbortedAtOnce() {
        String name = "md-canary-stuck";
        ModelDeployment md = deployment(name, "m-canary-stuck");
        md.getSpec().replicas = 3;
        md.getSpec().rollback = precisionAnalysis("http://127.0.0.1:9", "1h", 3);
        md.getSpec().rollout = canary(30, 2);
        serveVersionOne(client, md, WAIT);

        version(client, "m-canary-stuck", 2, true);
        awaitCanaryDeployment(name);
        // The Deployment controller gives up: the new model never gets ready.
        io.mlcycle.operator.testing.Cluster.edit(
                client,
                Deployment.class,
                name + "-canary",
                d -> {
                    d.setStatus(
                            new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
                                    .withReplicas(1)
                                    .withReadyReplicas(0)
                                    .addNewCondition()
                                    .withType("Progressing")
                                    .withStatus("False")
                                    .withReason("ProgressDeadlineExceeded")
                                    .withMessage("ReplicaSet has timed out progressing.")
                                    .endCondition()
                                    .build());
                    return d;
                });

        ModelDeployment aborted = awaitMd(name, m -> canaryIs(m, CanaryPhase.Aborted));
        assertThat(aborted.getStatus().canary.message)
                .contains("ProgressDeadlineExceeded")
                .contains("stable version 1 keeps serving");
        assertThat(aborted.getStatus().rollbacks)
                .first()
                .satisfies(r -> assertThat(r.fromVersion).isEqualTo(2));
        await("the canary Deployment of " + name + " deleted")
                .atMost(WAIT)
                .until(() -> canaryDeployment(name) == null);
        assertThat(serveTask(awaitStableReplicas(name, 3)).version()).isEqualTo(1);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withName("m-canary-stuck-v2")
                                .get()
                                .getMetadata()
                                .getAnnotations())
                .containsKey(ModelVersion.ROLLED_BACK_ANNOTATION);
    }

    @Test
    void withoutACanaryANewVersionRollsTheStableDeploymentAsBefore() {
        String name = "md-no-canary";
        ModelDeployment md = deployment(name, "m-no-canary");
        md.getSpec().replicas = 3;
        serveVersionOne(client, md, WAIT);

        version(client, "m-no-canary", 2, true);
        Deployment stable =
                Cluster.awaitResource(
                        client, Deployment.class, name, WAIT, d -> serveTask(d).version() == 2);
        assertThat(stable.getSpec().getReplicas()).isEqualTo(3);
        assertThat(stable.getSpec().getTemplate().getMetadata().getLabels())
                .doesNotContainKey("mlcycle.io/track");
        ModelDeployment after =
                awaitMd(name, m -> Integer.valueOf(2).equals(m.getStatus().currentVersion));
        assertThat(after.getStatus().canary).isNull();
        assertThat(canaryDeployment(name)).isNull();
    }

    @Test
    void aCanaryWhoseQueriesCannotTellVersionsApartIsAnInvalidSpec() {
        String name = "md-canary-invalid";
        version(client, "m-canary-invalid", 1, true);
        ModelDeployment md = deployment(name, "m-canary-invalid");
        md.getSpec().rollback = precisionAnalysis("http://127.0.0.1:9", "1h", 1);
        md.getSpec().rollback.metrics.get(0).query = "sum(up{job=\"{{name}}\"})";
        md.getSpec().rollout = canary(10, 1);
        client.resource(md).create();

        ModelDeployment invalid = awaitMd(name, m -> m.getStatus().phase == Phase.Failed);
        assertThat(condition(invalid.getStatus(), "InvalidSpec"))
                .hasValueSatisfying(
                        cond ->
                                assertThat(cond.getMessage())
                                        .contains("spec.rollback.metrics[0].query")
                                        .contains("{{version}}"));
        assertThat(servingDeployment(client, name)).isNull();
    }
}
