package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.conditionIs;
import static io.mlcycle.operator.testing.Cluster.edit;
import static io.mlcycle.operator.testing.Cluster.events;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static io.mlcycle.operator.testing.Cluster.poke;
import static io.mlcycle.operator.testing.Fixtures.materialize;
import static io.mlcycle.operator.testing.Fixtures.trained;
import static io.mlcycle.operator.testing.Fixtures.trainingRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
@QuarkusTest
class TrainingRunLifecycleTest {

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    @Test
    void missingFeatureViewWaitsNamingIt() {
        client.resource(trainingRun("tr-missing", "missing-model", "no-such-view")).create();
        TrainingRun waiting =
                awaitCondition(
                        client, TrainingRun.class, "tr-missing", "WaitingForFeatures", "True");
        assertThat(condition(waiting.getStatus(), "WaitingForFeatures").get().getMessage())
                .contains("FeatureView no-such-view not found");
        assertThat(waiting.getStatus().phase).isEqualTo(TrainingRunStatus.Phase.WaitingForFeatures);
        assertThat(jobs(client, "mlcycle.io/trainingrun", "tr-missing")).isEmpty();
    }

    @Test
    void trainsRegistersApprovesAndRetrainsOnNewAsOfWithGateVerdict() {
        materialize(client, "ret-events", "2026-11-18");
        TrainingRun ret = trainingRun("ret", "return-predictor", "ret-events");
        ret.getSpec().pod = new io.mlcycle.operator.api.PodOverrides();
        ret.getSpec().pod.nodeSelector = Map.of("pool", "training");
        client.resource(ret).create();

        Job job = awaitJob(client, "ret-train-v1-1");
        assertThat(job.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo("ret");
        assertThat(job.getMetadata().getOwnerReferences().get(0).getController()).isTrue();
        // finished Jobs are kept a day for debugging, then removed by the TTL controller
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(86400);
        // spec.activeDeadline defaults to 6h: Kubernetes stops a training that hangs
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(6 * 3600L);
        assertThat(job.getSpec().getTemplate().getSpec().getNodeSelector())
                .containsEntry("pool", "training");
        TrainTask task = (TrainTask) Kubelet.task(job);
        assertThat(task.version()).isEqualTo(1);
        assertThat(task.entity()).isEqualTo("user_id");
        assertThat(task.features())
                .singleElement()
                .satisfies(
                        f -> {
                            assertThat(f.asOf()).isEqualTo("2026-11-18");
                            assertThat(f.uri())
                                    .isEqualTo("file:///data/features/ret-events/asOf=2026-11-18/");
                        });
        assertThat(task.labels().uri()).isEqualTo("file:///data/labels/returned/dt=2026-11-18/");
        assertThat(task.outputUri()).isEqualTo("file:///data/models/return-predictor/v1/");
        assertThat(task.hyperparameters().learningRate()).containsExactly(0.001);

        new Kubelet(client).finish(job, trained("file:///data/models/return-predictor/v1/", 0.80));

        ModelVersion v1 =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "return-predictor-v1",
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().phase
                                                == ModelVersionStatus.Phase.Approved);
        assertThat(v1.getMetadata().getLabels())
                .containsEntry("mlcycle.io/model", "return-predictor");
        assertThat(v1.getMetadata().getOwnerReferences()).isEmpty();
        assertThat(v1.getSpec().metrics).containsEntry("auc", 0.80);
        assertThat(v1.getSpec().topFeatures.get(0).name).isEqualTo("item_42");
        assertThat(v1.getSpec().lineage.trainingRun).isEqualTo("ret");
        assertThat(v1.getSpec().lineage.featureViews.get(0).asOf).isEqualTo("2026-11-18");
        assertThat(v1.getSpec().lineage.image).isEqualTo("mlcycle/trainer:0.1.0");
        assertThat(v1.getSpec().lineage.job).isEqualTo("ret-train-v1-1");
        assertThat(v1.getSpec().artifactUri).isEqualTo("file:///data/models/return-predictor/v1/");
        assertThat(v1.getStatus().gates).hasSize(2).allMatch(g -> g.passed);

        TrainingRun tr =
                awaitResource(
                        client,
                        TrainingRun.class,
                        "ret",
                        t -> t.getStatus() != null && Boolean.TRUE.equals(t.getStatus().approved));
        assertThat(tr.getStatus().phase).isEqualTo(TrainingRunStatus.Phase.Succeeded);
        assertThat(tr.getStatus().modelVersion).isEqualTo("return-predictor-v1");
        assertThat(tr.getStatus().auc).isEqualTo(0.80);
        assertThat(tr.getStatus().topFeatures.get(0).name).isEqualTo("item_42");
        awaitEvent(client, "return-predictor-v1", "Approved");
        assertThat(hasEvent(client, "ret", "ModelVersionRegistered")).isTrue();

        // The FeatureView gets a newer as-of: the run trains v2, which is worse than v1.
        materialize(client, "ret-events", "2026-11-19");
        Job second = awaitJob(client, "ret-train-v2-1");
        TrainTask task2 = (TrainTask) Kubelet.task(second);
        assertThat(task2.features().get(0).asOf()).isEqualTo("2026-11-19");
        assertThat(task2.outputUri()).isEqualTo("file:///data/models/return-predictor/v2/");
        new Kubelet(client)
                .finish(second, trained("file:///data/models/return-predictor/v2/", 0.70));
        ModelVersion v2 =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "return-predictor-v2",
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().phase
                                                == ModelVersionStatus.Phase.Rejected);
        assertCondition(v2.getStatus(), "Approved", "False", "GateFailed")
                .contains("worse than approved v1");
        assertThat(v2.getStatus().comparedWithVersion).isEqualTo(1);
        awaitResource(
                client,
                TrainingRun.class,
                "ret",
                t ->
                        "return-predictor-v2".equals(t.getStatus().modelVersion)
                                && Boolean.FALSE.equals(t.getStatus().approved));
        awaitEvent(client, "return-predictor-v2", "Rejected");

        // Repeated reconciles create no duplicate Job or ModelVersion.
        poke(client, TrainingRun.class, "ret");
        poke(client, TrainingRun.class, "ret");
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(jobs(client, "mlcycle.io/trainingrun", "ret")).hasSize(2);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withLabel("mlcycle.io/model", "return-predictor")
                                .list()
                                .getItems())
                .hasSize(2);

        // A deployment rolls v1 back: it loses its approval.
        edit(
                client,
                ModelVersion.class,
                "return-predictor-v1",
                m -> {
                    m.getMetadata()
                            .getAnnotations()
                            .put(ModelVersion.ROLLED_BACK_ANNOTATION, "online-precision 0.3 < 0.5");
                    return m;
                });
        ModelVersion rolled =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "return-predictor-v1",
                        m -> m.getStatus().phase == ModelVersionStatus.Phase.RolledBack);
        assertThat(rolled.getStatus().approved).isFalse();
        assertThat(conditionIs(rolled.getStatus(), "RolledBack", "True")).isTrue();
        assertThat(rolled.getStatus().rolledBackReason).contains("online-precision");
    }

    @Test
    void failedTrainingReportsThePodReasonAndRegistersNothing() {
        materialize(client, "fail-events", "2026-11-18");
        client.resource(trainingRun("tr-fail", "fail-model", "fail-events")).create();
        Job job = awaitJob(client, "tr-fail-train-v1-1");
        new Kubelet(client)
                .finish(
                        job,
                        Summary.failure(
                                Summary.Outcome.Invalid,
                                "SingleClass",
                                "labels column 'returned' has only the value 0"));
        TrainingRun failed =
                awaitResource(
                        client,
                        TrainingRun.class,
                        "tr-fail",
                        t ->
                                t.getStatus() != null
                                        && t.getStatus().phase == TrainingRunStatus.Phase.Failed);
        assertCondition(failed.getStatus(), "Degraded", "True", "SingleClass")
                .contains("only the value 0");
        // the reserved number stays used: the version records the failure, never approved
        ModelVersion v1 =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "fail-model-v1",
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().phase == ModelVersionStatus.Phase.Failed);
        assertThat(v1.getSpec().training.state).isEqualTo(ModelVersionSpec.State.Failed);
        assertThat(v1.getSpec().training.reason).isEqualTo("SingleClass");
        assertThat(v1.getSpec().metrics).isNull();
        assertThat(v1.getStatus().approved).isFalse();
        assertCondition(v1.getStatus(), "Approved", "False", "TrainingFailed")
                .contains("only the value 0");
        awaitEvent(client, "tr-fail", "TrainingFailed");
        awaitEvent(client, "fail-model-v1", "TrainingFailed");
    }

    @Test
    void invalidRetrainScheduleNamesTheField() {
        TrainingRun tr = trainingRun("tr-invalid", "invalid-model", "whatever");
        tr.getSpec().retrain.schedule = "61 * * * *";
        client.resource(tr).create();
        TrainingRun invalid =
                awaitCondition(client, TrainingRun.class, "tr-invalid", "InvalidSpec", "True");
        assertThat(condition(invalid.getStatus(), "InvalidSpec").get().getMessage())
                .contains("spec.retrain.schedule");
    }

    @Test
    void retrainScheduleTrainsAgainWhenTheClockPassesTheFireTime() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        materialize(client, "sched-events", "2026-11-18");
        TrainingRun tr = trainingRun("tr-sched", "sched-model", "sched-events");
        tr.getSpec().retrain.schedule = "0 3 * * *";
        client.resource(tr).create();
        Job first = awaitJob(client, "tr-sched-train-v1-1");
        new Kubelet(client).finish(first, trained("file:///data/models/sched-model/v1/", 0.8));
        awaitResource(
                client,
                TrainingRun.class,
                "tr-sched",
                t -> t.getStatus() != null && t.getStatus().modelVersion != null);

        clock.set(Instant.parse("2026-11-21T03:00:10Z"));
        poke(client, TrainingRun.class, "tr-sched");
        Job second = awaitJob(client, "tr-sched-train-v2-1");
        assertThat(second.getMetadata().getAnnotations())
                .containsEntry("mlcycle.io/trigger", "Schedule");
    }

    @Test
    void operatorThatLostItsStatusAdoptsTheRunningJobInsteadOfStartingAnother() {
        materialize(client, "amnesia-events", "2026-11-18");
        client.resource(trainingRun("tr-amnesia", "amnesia-model", "amnesia-events")).create();
        Job job = awaitJob(client, "tr-amnesia-train-v1-1");
        awaitResource(
                client,
                TrainingRun.class,
                "tr-amnesia",
                t -> t.getStatus() != null && t.getStatus().active != null);

        // What a restarted operator sees when its last status write never landed.
        client.resources(TrainingRun.class)
                .inNamespace(NS)
                .withName("tr-amnesia")
                .editStatus(
                        t -> {
                            t.setStatus(new TrainingRunStatus());
                            return t;
                        });
        TrainingRun adopted =
                awaitResource(
                        client,
                        TrainingRun.class,
                        "tr-amnesia",
                        t ->
                                t.getStatus() != null
                                        && t.getStatus().active != null
                                        && t.getStatus().trainedGeneration != null);
        assertThat(adopted.getStatus().active.job).isEqualTo("tr-amnesia-train-v1-1");
        assertThat(jobs(client, "mlcycle.io/trainingrun", "tr-amnesia")).hasSize(1);

        new Kubelet(client).finish(job, trained("file:///data/models/amnesia-model/v1/", 0.9));
        awaitResource(
                client,
                TrainingRun.class,
                "tr-amnesia",
                t -> "amnesia-model-v1".equals(t.getStatus().modelVersion));
        poke(client, TrainingRun.class, "tr-amnesia");
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(jobs(client, "mlcycle.io/trainingrun", "tr-amnesia")).hasSize(1);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withLabel("mlcycle.io/model", "amnesia-model")
                                .list()
                                .getItems())
                .hasSize(1);
    }

    @Test
    void operatorThatLostItsStatusAfterTheJobFinishedKeepsItsVersionWithoutASecondJob() {
        materialize(client, "amnesia-done-events", "2026-11-18");
        client.resource(trainingRun("tr-amnesia-done", "amnesia-done-model", "amnesia-done-events"))
                .create();
        Job job = awaitJob(client, "tr-amnesia-done-train-v1-1");
        new Kubelet(client).finish(job, trained("file:///data/models/amnesia-done-model/v1/", 0.9));
        awaitResource(
                client,
                TrainingRun.class,
                "tr-amnesia-done",
                t -> "amnesia-done-model-v1".equals(t.getStatus().modelVersion));

        // A restarted operator whose status writes since the Job's creation never landed.
        client.resources(TrainingRun.class)
                .inNamespace(NS)
                .withName("tr-amnesia-done")
                .editStatus(
                        t -> {
                            t.setStatus(new TrainingRunStatus());
                            return t;
                        });
        TrainingRun recovered =
                awaitResource(
                        client,
                        TrainingRun.class,
                        "tr-amnesia-done",
                        t ->
                                t.getStatus() != null
                                        && "amnesia-done-model-v1"
                                                .equals(t.getStatus().modelVersion)
                                        && t.getStatus().phase
                                                == TrainingRunStatus.Phase.Succeeded);
        assertThat(recovered.getStatus().active).isNull();
        assertThat(recovered.getStatus().history).hasSize(1);
        poke(client, TrainingRun.class, "tr-amnesia-done");
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(jobs(client, "mlcycle.io/trainingrun", "tr-amnesia-done")).hasSize(1);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withLabel("mlcycle.io/model", "amnesia-done-model")
                                .list()
                                .getItems())
                .hasSize(1);
    }

    @Test
    void registeredVersionIsToldOnceWhateverReconcilesFollow() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        materialize(client, "once-events", "2026-11-18");
        client.resource(trainingRun("tr-once", "once-model", "once-events")).create();
        Job job = awaitJob(client, "tr-once-train-v1-1");
        TrainingRunStatus beforeFinish =
                awaitResource(
                                client,
                                TrainingRun.class,
                                "tr-once",
                                t -> t.getStatus() != null && t.getStatus().active != null)
                        .getStatus();
        new Kubelet(client).finish(job, trained("file:///data/models/once-model/v1/", 0.9));
        awaitResource(
                client,
                TrainingRun.class,
                "tr-once",
                t -> "once-model-v1".equals(t.getStatus().modelVersion));

        // Further reconciles: annotation pokes and clock ticks.
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            poke(client, TrainingRun.class, "tr-once");
        }
        // A status that comes back as the copy from before the finish (a lost or re-merged
        // status write): the finished Job is active again.
        client.resources(TrainingRun.class)
                .inNamespace(NS)
                .withName("tr-once")
                .editStatus(
                        t -> {
                            t.setStatus(beforeFinish);
                            return t;
                        });
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            poke(client, TrainingRun.class, "tr-once");
        }
        awaitResource(
                client,
                TrainingRun.class,
                "tr-once",
                t ->
                        t.getStatus() != null
                                && t.getStatus().active == null
                                && "once-model-v1".equals(t.getStatus().modelVersion));
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);

        TrainingRunStatus status =
                client.resources(TrainingRun.class)
                        .inNamespace(NS)
                        .withName("tr-once")
                        .get()
                        .getStatus();
        assertThat(status.active).isNull();
        assertThat(status.history)
                .singleElement()
                .satisfies(h -> assertThat(h.job).isEqualTo("tr-once-train-v1-1"));
        assertThat(
                        events(client, "tr-once").stream()
                                .filter(e -> "ModelVersionRegistered".equals(e.getReason()))
                                .toList())
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.getMessage()).contains("once-model-v1");
                            assertThat(e.getCount()).isEqualTo(1);
                        });
        assertThat(
                        events(client, "tr-once").stream()
                                .filter(e -> "TrainingStarted".equals(e.getReason()))
                                .toList())
                .singleElement()
                .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
        assertThat(jobs(client, "mlcycle.io/trainingrun", "tr-once")).hasSize(1);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withLabel("mlcycle.io/model", "once-model")
                                .list()
                                .getItems())
                .hasSize(1);
    }

    @Test
    void aPersonsApprovalOverridesTheGates() {
        materialize(client, "manual-events", "2026-11-18");
        client.resource(trainingRun("tr-manual", "manual-model", "manual-events")).create();
        Job job = awaitJob(client, "tr-manual-train-v1-1");
        new Kubelet(client).finish(job, trained("file:///data/models/manual-model/v1/", 0.6));
        ModelVersion rejected =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "manual-model-v1",
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().phase
                                                == ModelVersionStatus.Phase.Rejected);
        assertThat(condition(rejected.getStatus(), "Approved").get().getMessage())
                .isEqualTo("auc 0.6 < min 0.65");
        edit(
                client,
                ModelVersion.class,
                "manual-model-v1",
                m -> {
                    m.getSpec().approval = ModelVersionSpec.Approval.Approved;
                    m.getSpec().approvalReason = "offline review: the drop is label noise";
                    return m;
                });
        ModelVersion approved =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "manual-model-v1",
                        m -> m.getStatus().phase == ModelVersionStatus.Phase.Approved);
        assertCondition(approved.getStatus(), "Approved", "True", "ManuallyApproved");
        assertThat(approved.getStatus().approved).isTrue();
        awaitResource(
                client,
                TrainingRun.class,
                "tr-manual",
                t -> Boolean.TRUE.equals(t.getStatus().approved));
    }
}
