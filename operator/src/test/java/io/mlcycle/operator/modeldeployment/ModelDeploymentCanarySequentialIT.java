package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.analysis.MetricsEndpoint;
import io.mlcycle.operator.analysis.ScrapedServing;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.CanaryPhase;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.testing.RealServersTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.Predicate;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.assertCanaryOfTwoAborted;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.sequentialCanary;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveVersionOne;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.closeAll;
import static io.mlcycle.operator.testing.Cluster.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A canary in mode sequential against a real Prometheus: the cumulative feedback counts of both
 * versions, set by the test, feed the two-sample test each step; a few bad labels leave the step
 * undecided, enough of them abort the canary.
 */
@RealServersTier
@QuarkusTest
class ModelDeploymentCanarySequentialIT {

    private static final Duration STEP = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NAME = "md-canary-seq";
    private static final String MODEL = "m-canary-seq";

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    private ScrapedServing served;

    @AfterEach
    void stopAll() throws Exception {
        closeAll(served);
    }

    private ModelDeployment awaitMd(Predicate<ModelDeployment> until) {
        return Cluster.awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                WAIT,
                m -> m.getStatus() != null && m.getStatus().canary != null && until.test(m));
    }

    /** Sets the cumulative positive-prediction feedback of {@code version}: right of n. */
    private static void feedback(MetricsEndpoint metrics, int version, int right, int n) {
        metrics.set(MetricsEndpoint.feedback(NAME, version, 1, 1), right);
        metrics.set(MetricsEndpoint.feedback(NAME, version, 1, 0), n - right);
    }

    @Test
    void aFewBadLabelsLeaveTheStepUndecidedAndEnoughAbortTheCanaryWithItsInterval()
            throws Exception {
        served =
                ScrapedServing.start(
                        m -> {
                            feedback(m, 1, 800, 1000);
                            feedback(m, 2, 0, 0);
                        });

        ModelDeployment md = deployment(NAME, MODEL);
        md.getSpec().replicas = 2;
        sequentialCanary(md.getSpec(), served.prometheusUrl(), 50, STEP);
        serveVersionOne(client, md, WAIT);
        version(client, MODEL, 2, true);
        Cluster.awaitResource(client, Deployment.class, NAME + "-canary", WAIT, d -> true);
        markReady(client, NAME);
        markReady(client, NAME + "-canary");

        // precision 0.6 on 30 labels against the stable 0.8 on 1000: the interval still holds -0.05
        feedback(served.metrics(), 2, 18, 30);
        ModelDeployments.tickCanary(
                served.ticker(), client, clock, NAME, STEP, () -> Integer.MAX_VALUE);
        ModelDeployment undecided =
                awaitMd(
                        m ->
                                m.getStatus().canary.analysis != null
                                        && "Undecided"
                                                .equals(m.getStatus().canary.analysis.verdict));
        ModelDeploymentStatus.Canary c = undecided.getStatus().canary;
        assertThat(c.phase).isEqualTo(CanaryPhase.Progressing);
        ModelDeploymentStatus.MetricResult first = c.analysis.metrics.get(0);
        assertThat(first.decision).isEqualTo("Continue");
        assertThat(first.samples).isEqualTo(30);
        assertThat(first.stableSamples).isEqualTo(1000);
        assertThat(first.estimate).isBetween(-0.21, -0.19);
        assertThat(first.lower).isLessThan(-0.05);
        assertThat(first.upper).isGreaterThan(-0.05);
        assertThat(first.rule).contains("two-sample", "alpha 0.05");
        assertThat(c.message).contains("undecided", "on 30 samples", "stable 0.8000 on 1000");
        awaitEvent(client, NAME, "CanaryAnalysisUndecided");

        // the same precision on 600 labels is worse than stable with confidence: aborted at once
        feedback(served.metrics(), 2, 360, 600);
        ModelDeployment aborted = awaitMd(m -> m.getStatus().canary.phase == CanaryPhase.Aborted);
        ModelDeploymentStatus status = aborted.getStatus();
        assertThat(status.canary.analysis.verdict).isEqualTo("Failed");
        ModelDeploymentStatus.MetricResult judged = status.canary.analysis.metrics.get(0);
        assertThat(judged.decision).isEqualTo("Reject");
        assertThat(judged.samples).isEqualTo(600);
        assertThat(judged.upper).isLessThan(-0.05);
        assertThat(status.canary.message)
                .contains("aborted", "stable version 1 keeps serving")
                .contains("worse than stable by more than 0.05")
                .contains("two-sample");
        assertCanaryOfTwoAborted(status);
        assertThat(status.rollbacks.get(0).message)
                .contains("95 % interval", "on 600 samples", "two-sample");
        awaitEvent(client, NAME, "CanaryAborted");
        assertThat(events(client, NAME))
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("CanaryAborted");
                            assertThat(e.getMessage()).contains("95 % interval", "two-sample");
                        })
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("CanaryAnalysisUndecided");
                            assertThat(e.getMessage()).contains("on 30 samples", "two-sample");
                        });
        await().atMost(WAIT).until(() -> servingDeployment(client, NAME + "-canary") == null);
        assertThat(serveTask(servingDeployment(client, NAME)).version()).isEqualTo(1);
    }
}
