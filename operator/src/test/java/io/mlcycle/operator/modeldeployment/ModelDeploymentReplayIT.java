package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.ReplayResult;
import io.mlcycle.operator.api.ReplayResult.Decision;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.api.modeldeployment.ReplaySpec;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.ReplaySummary;
import io.mlcycle.task.ReplayTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The replay gate on the mock API server: a newly approved version starts a replay Job (the served
 * and the new version on the deployment's request log) and waits for it; its summary's paired
 * counts are judged and recorded in both statuses; a worse version and a failed replay leave the
 * served version serving, a better one rolls out; a canary or shadow of it starts only after it.
 */
@MockApiTier
@QuarkusTest
class ModelDeploymentReplayIT {

    private static final String LOG = "file:///data/request-logs/";

    /** A version change of every pod at once. */
    private static final java.util.function.Consumer<ModelDeploymentSpec> PLAIN =
            s -> s.rollout = new ModelDeploymentSpec.Rollout();

    @Inject KubernetesClient client;

    /**
     * 1000 labelled requests: the new version alone right on {@code won}, alone wrong on {@code
     * lost}.
     */
    private static Summary replayed(String name, long won, long lost) {
        return Summary.succeeded(
                LOG + name + "/replays/v2-vs-v1/asOf=2026-12-07/",
                Map.of(
                        ReplaySummary.SAMPLES, 1000.0,
                        ReplaySummary.BOTH_RIGHT, 700.0,
                        ReplaySummary.CHAMPION_ONLY, (double) lost,
                        ReplaySummary.CHALLENGER_ONLY, (double) won,
                        ReplaySummary.BOTH_WRONG, (double) (300 - won - lost)),
                null);
    }

    /**
     * Serves v1 of {@code model} with a request log and a required replay gate, then approves v2.
     */
    private Job servedThenNewVersion(
            String name, String model, java.util.function.Consumer<ModelDeploymentSpec> rollout) {
        version(client, model, 1, true);
        ModelDeployment md = deployment(name, model);
        md.getSpec().requestLog = new ModelDeploymentSpec.RequestLog();
        md.getSpec().requestLog.uri = LOG + name + "/";
        rollout.accept(md.getSpec());
        md.getSpec().rollout.replay = new ReplaySpec();
        client.resource(md).create();
        awaitServing(name, 1);
        markReady(client, name);
        awaitResource(
                client,
                ModelDeployment.class,
                name,
                m -> m.getStatus() != null && m.getStatus().phase == Phase.Available);
        version(client, model, 2, true);
        return awaitJob(client, ReplayJobs.jobName(md, 1, 2, 1));
    }

    private void awaitServing(String name, int version) {
        await("Deployment " + name + " serving version " + version)
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> servingDeployment(client, name),
                        d -> d != null && serveTask(d).version() == version);
    }

    private ModelDeployment awaitDecision(String name, Decision decision) {
        return awaitResource(
                client,
                ModelDeployment.class,
                name,
                m -> m.getStatus().replay != null && m.getStatus().replay.decision == decision);
    }

    /** Waits (2 s) for a wrong rollout to show, then asserts the stable Deployment serves v1. */
    private void assertStillServesVersionOne(String name) {
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        Deployment d = servingDeployment(client, name);
        assertThat(serveTask(d).version()).as("the served version").isEqualTo(1);
    }

    @Test
    void aNewVersionWaitsForItsReplayAndAWorseOneIsHeldWithTheVerdictInBothStatuses() {
        Job job = servedThenNewVersion("md-rp-worse", "m-rp-worse", PLAIN);
        ReplayTask task = (ReplayTask) Kubelet.task(job);
        assertThat(task.champion().version()).isEqualTo(1);
        assertThat(task.champion().artifactUri()).isEqualTo("file:///data/models/m-rp-worse/v1/");
        assertThat(task.challenger().version()).isEqualTo(2);
        assertThat(task.requestLogUri()).isEqualTo(LOG + "md-rp-worse/");
        assertThat(task.outputUri()).isEqualTo(LOG + "md-rp-worse/replays/v2-vs-v1/");
        ModelDeployment running =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-rp-worse",
                        m -> m.getStatus().replay != null);
        assertCondition(running.getStatus(), ReplayGate.TYPE, "False", "ReplayRunning")
                .contains(job.getMetadata().getName());
        assertStillServesVersionOne("md-rp-worse");

        new Kubelet(client).finish(job, replayed("md-rp-worse", 20, 90));

        ModelDeployment held = awaitDecision("md-rp-worse", Decision.Worse);
        ReplayResult r = held.getStatus().replay;
        assertThat(r.samples).isEqualTo(1000L);
        assertThat(r.estimate).isEqualTo(-0.07);
        assertThat(r.upper).isNegative();
        assertThat(r.held).isTrue();
        assertCondition(held.getStatus(), ReplayGate.TYPE, "False", "Worse")
                .contains("version 2 against version 1", "worse on replay", "held");
        await("Event ReplayHeld")
                .atMost(TIMEOUT)
                .until(() -> hasEvent(client, "md-rp-worse", "ReplayHeld"));
        ModelVersion v2 =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "m-rp-worse-v2",
                        mv -> mv.getStatus().replay != null);
        assertThat(v2.getStatus().replay.decision).isEqualTo(Decision.Worse);
        assertThat(v2.getStatus().replay.deployment).isEqualTo("md-rp-worse");
        assertThat(v2.getStatus().replay.championVersion).isEqualTo(1);
        assertStillServesVersionOne("md-rp-worse");
        assertThat(Cluster.jobs(client, "mlcycle.io/modeldeployment", "md-rp-worse"))
                .as("a held verdict is not replayed again")
                .hasSize(1);
    }

    @Test
    void aBetterVersionRollsOutOnceItsReplaySaysSo() {
        Job job = servedThenNewVersion("md-rp-better", "m-rp-better", PLAIN);

        new Kubelet(client).finish(job, replayed("md-rp-better", 90, 20));

        awaitServing("md-rp-better", 2);
        ModelDeployment passed = awaitDecision("md-rp-better", Decision.Better);
        assertCondition(passed.getStatus(), ReplayGate.TYPE, "True", "Better")
                .contains("better on replay", "the rollout proceeds");
        await("Event ReplayPassed")
                .atMost(TIMEOUT)
                .until(() -> hasEvent(client, "md-rp-better", "ReplayPassed"));
    }

    @Test
    void aFailedReplayJobNeverChangesWhatIsServed() {
        Job job = servedThenNewVersion("md-rp-failed", "m-rp-failed", PLAIN);

        new Kubelet(client)
                .failWithoutPod(
                        job, "DeadlineExceeded", "Job was active longer than specified deadline");

        ModelDeployment failed = awaitDecision("md-rp-failed", Decision.Failed);
        assertCondition(failed.getStatus(), ReplayGate.TYPE, "False", "Failed")
                .contains("failed (DeadlineExceeded", "version 1 keeps serving");
        await("Event ReplayFailed")
                .atMost(TIMEOUT)
                .until(() -> hasEvent(client, "md-rp-failed", "ReplayFailed"));
        assertStillServesVersionOne("md-rp-failed");
    }

    @Test
    void aCanaryStartsOnlyAfterItsVersionPassedTheReplay() {
        Job job =
                servedThenNewVersion(
                        "md-rp-canary",
                        "m-rp-canary",
                        s ->
                                ModelDeployments.sequentialCanary(
                                        s, "http://127.0.0.1:1", 20, Duration.ofHours(1)));
        String canary = "md-rp-canary-canary";
        assertThat(servingDeployment(client, canary)).as("no canary before the replay").isNull();

        new Kubelet(client).finish(job, replayed("md-rp-canary", 30, 28));

        awaitDecision("md-rp-canary", Decision.NotWorse);
        awaitServing(canary, 2);
    }

    @Test
    void aShadowChallengerServesOnlyAfterItPassedTheReplay() {
        Job job =
                servedThenNewVersion(
                        "md-rp-shadow",
                        "m-rp-shadow",
                        s -> {
                            s.rollback =
                                    ModelDeployments.precisionAnalysis(
                                            "http://127.0.0.1:1", "1h", 1);
                            s.rollout = new ModelDeploymentSpec.Rollout();
                            s.rollout.shadow = new ModelDeploymentSpec.Shadow();
                            s.rollout.shadow.latestApproved = true;
                        });
        String shadow = "md-rp-shadow-shadow";
        assertThat(servingDeployment(client, shadow)).as("no shadow before the replay").isNull();

        new Kubelet(client).finish(job, replayed("md-rp-shadow", 30, 28));

        awaitDecision("md-rp-shadow", Decision.NotWorse);
        awaitServing(shadow, 2);
        assertThat(serveTask(servingDeployment(client, "md-rp-shadow")).version())
                .as("the champion keeps serving")
                .isEqualTo(1);
    }
}
