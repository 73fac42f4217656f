package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static io.mlcycle.operator.testing.Cluster.poke;
import static io.mlcycle.operator.testing.Fixtures.materialize;
import static io.mlcycle.operator.testing.Fixtures.trainingRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Version numbers are reserved once per training, across every TrainingRun of a model: concurrent
 * runs, a retrain during another run's training and an operator that stopped between reserving and
 * creating the Job all end with distinct versions whose records match their own training.
 */
@MockApiTier
@QuarkusTest
class VersionReservationTest {

    @Inject KubernetesClient client;

    private List<Job> awaitTrainingJobs(String model, int n) {
        return await().atMost(Duration.ofSeconds(30))
                .until(() -> jobs(client, "mlcycle.io/model", model), j -> j.size() == n);
    }

    private List<ModelVersion> versions(String model) {
        return client.resources(ModelVersion.class)
                .inNamespace(NS)
                .withLabel(ModelVersion.MODEL_LABEL, model)
                .list()
                .getItems();
    }

    private ModelVersion awaitPhase(String name, ModelVersionStatus.Phase phase) {
        return awaitResource(
                client,
                ModelVersion.class,
                name,
                m -> m.getStatus() != null && m.getStatus().phase == phase);
    }

    private static Summary trained(TrainTask task, double auc) {
        return Summary.succeeded(
                task.outputUri(),
                Map.of("auc", auc, "f1", 0.5),
                Map.of(
                        "artifactDigest",
                        "sha256:" + "%064d".formatted(task.version()),
                        "topFeatures",
                        List.of(Map.of("name", "item_" + task.version(), "importance", 0.3))));
    }

    @Test
    void threeRunsOfOneModelStartedTogetherTrainDistinctVersionsRecordedAsTheirOwn() {
        materialize(client, "together-events", "2026-11-18");
        List<String> runs = List.of("together-a", "together-b", "together-c");
        for (String run : runs) {
            client.resource(trainingRun(run, "together", "together-events")).create();
        }

        List<Job> started = awaitTrainingJobs("together", 3);
        Map<Integer, TrainTask> byVersion = new HashMap<>();
        Map<Integer, String> runOf = new HashMap<>();
        for (Job job : started) {
            TrainTask task = (TrainTask) Kubelet.task(job);
            byVersion.put(task.version(), task);
            runOf.put(task.version(), job.getMetadata().getLabels().get("mlcycle.io/trainingrun"));
        }
        assertThat(byVersion).containsOnlyKeys(1, 2, 3);
        assertThat(byVersion.values().stream().map(TrainTask::outputUri).distinct()).hasSize(3);
        assertThat(runOf.values()).containsExactlyInAnyOrderElementsOf(runs);
        // every number is reserved before its Job trains it
        for (int v = 1; v <= 3; v++) {
            ModelVersion reserved = awaitPhase("together-v" + v, ModelVersionStatus.Phase.Training);
            assertThat(reserved.getSpec().lineage.trainingRun).isEqualTo(runOf.get(v));
            assertThat(reserved.getSpec().artifactUri).isEqualTo(byVersion.get(v).outputUri());
            assertThat(reserved.getStatus().approved).isNull();
        }

        // they finish in the reverse order of their numbers, each with its own result
        Map<Integer, Double> auc = Map.of(1, 0.71, 2, 0.72, 3, 0.73);
        List<Job> reversed = new ArrayList<>(started);
        reversed.sort(
                (a, b) ->
                        Integer.compare(
                                ((TrainTask) Kubelet.task(b)).version(),
                                ((TrainTask) Kubelet.task(a)).version()));
        for (Job job : reversed) {
            TrainTask task = (TrainTask) Kubelet.task(job);
            new Kubelet(client).finish(job, trained(task, auc.get(task.version())));
        }
        for (int v = 1; v <= 3; v++) {
            ModelVersion mv = awaitPhase("together-v" + v, ModelVersionStatus.Phase.Approved);
            TrainTask task = byVersion.get(v);
            assertThat(mv.getSpec().version).isEqualTo(v);
            assertThat(mv.getSpec().training.state).isEqualTo(ModelVersionSpec.State.Succeeded);
            assertThat(mv.getSpec().artifactUri).isEqualTo(task.outputUri());
            assertThat(mv.getSpec().artifactDigest).isEqualTo("sha256:" + "%064d".formatted(v));
            assertThat(mv.getSpec().metrics).containsEntry("auc", auc.get(v));
            assertThat(mv.getSpec().topFeatures.get(0).name).isEqualTo("item_" + v);
            assertThat(mv.getSpec().lineage.trainingRun).isEqualTo(runOf.get(v));
            assertThat(mv.getSpec().lineage.job).isEqualTo(runOf.get(v) + "-train-v" + v + "-1");
            TrainingRun tr =
                    awaitResource(
                            client,
                            TrainingRun.class,
                            runOf.get(v),
                            t -> t.getStatus() != null && t.getStatus().modelVersion != null);
            assertThat(tr.getStatus().modelVersion).isEqualTo("together-v" + v);
            assertThat(tr.getStatus().auc).isEqualTo(auc.get(v));
        }
        assertThat(versions("together")).hasSize(3);
    }

    @Test
    void aRetrainWhileAnotherRunTrainsTheModelTakesTheNextNumber() {
        materialize(client, "retrain-events", "2026-11-18");
        client.resource(trainingRun("retrain-a", "retrain", "retrain-events")).create();
        Job a1 = awaitTrainingJobs("retrain", 1).get(0);
        new Kubelet(client).finish(a1, trained((TrainTask) Kubelet.task(a1), 0.70));
        awaitPhase("retrain-v1", ModelVersionStatus.Phase.Approved);

        // b starts v2 and keeps training while the view's new as-of retrains a
        client.resource(trainingRun("retrain-b", "retrain", "retrain-events")).create();
        Job b2 =
                awaitTrainingJobs("retrain", 2).stream()
                        .filter(j -> j.getMetadata().getName().startsWith("retrain-b-"))
                        .findFirst()
                        .orElseThrow();
        assertThat(((TrainTask) Kubelet.task(b2)).version()).isEqualTo(2);
        materialize(client, "retrain-events", "2026-11-19");
        Job a3 =
                awaitTrainingJobs("retrain", 3).stream()
                        .filter(j -> j.getMetadata().getName().startsWith("retrain-a-train-v3"))
                        .findFirst()
                        .orElseThrow();
        TrainTask task3 = (TrainTask) Kubelet.task(a3);
        assertThat(task3.version()).isEqualTo(3);
        assertThat(task3.features().get(0).asOf()).isEqualTo("2026-11-19");

        new Kubelet(client).finish(a3, trained(task3, 0.75));
        new Kubelet(client).finish(b2, trained((TrainTask) Kubelet.task(b2), 0.72));
        ModelVersion v2 = awaitPhase("retrain-v2", ModelVersionStatus.Phase.Approved);
        ModelVersion v3 = awaitPhase("retrain-v3", ModelVersionStatus.Phase.Approved);
        assertThat(v2.getSpec().lineage.trainingRun).isEqualTo("retrain-b");
        assertThat(v2.getSpec().metrics).containsEntry("auc", 0.72);
        assertThat(v3.getSpec().lineage.trainingRun).isEqualTo("retrain-a");
        assertThat(v3.getSpec().lineage.featureViews.get(0).asOf).isEqualTo("2026-11-19");
        assertThat(v3.getSpec().metrics).containsEntry("auc", 0.75);
        // b trained on the older as-of, so it retrains too: the next number again
        Job b4 = awaitJob(client, "retrain-b-train-v4-1");
        assertThat(((TrainTask) Kubelet.task(b4)).features().get(0).asOf()).isEqualTo("2026-11-19");
        assertThat(versions("retrain")).hasSize(4);
    }

    @Test
    void aReservationWhoseJobWasNeverCreatedIsTrainedUnderItsNumberNotANewOne() {
        materialize(client, "resume-events", "2026-11-18");
        // What an operator stopped right after reserving leaves behind: a Training version
        // carrying the run's training key, no Job, no status on the run.
        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("resume-events", "2026-11-18");
        ModelVersion reserved = new ModelVersion();
        reserved.setMetadata(
                new ObjectMetaBuilder()
                        .withName("resume-v1")
                        .withNamespace(NS)
                        .withLabels(
                                Map.of(
                                        ModelVersion.MODEL_LABEL, "resume",
                                        TrainingRunReconciler.TRAINING_RUN_LABEL, "resume",
                                        RuntimeObjects.MANAGED_BY_LABEL, RuntimeObjects.MANAGED_BY))
                        .withAnnotations(
                                Map.of(
                                        TrainingRunReconciler.KEY_ANNOTATION,
                                        TrainingTriggers.key(1L, inputs, null)))
                        .build());
        reserved.setSpec(new ModelVersionSpec());
        reserved.getSpec().model = "resume";
        reserved.getSpec().version = 1;
        reserved.getSpec().artifactUri = "file:///data/models/resume/v1/";
        reserved.getSpec().training =
                new ModelVersionSpec.Training(ModelVersionSpec.State.Training, null, null);
        client.resource(reserved).create();

        client.resource(trainingRun("resume", "resume", "resume-events")).create();
        Job job = awaitTrainingJobs("resume", 1).get(0);
        assertThat(job.getMetadata().getName()).isEqualTo("resume-train-v1-1");
        TrainTask task = (TrainTask) Kubelet.task(job);
        assertThat(task.version()).isEqualTo(1);
        poke(client, TrainingRun.class, "resume");
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertThat(versions("resume")).hasSize(1);

        new Kubelet(client).finish(job, trained(task, 0.8));
        ModelVersion v1 = awaitPhase("resume-v1", ModelVersionStatus.Phase.Approved);
        assertThat(v1.getSpec().lineage.job).isEqualTo("resume-train-v1-1");
        assertThat(
                        versions("resume").stream()
                                .map(m -> m.getMetadata().getName())
                                .collect(Collectors.toList()))
                .containsExactly("resume-v1");
    }

    @Test
    void aVersionWhoseRunIsDeletedMidTrainingFailsAtOnceInsteadOfStayingUndecided() {
        materialize(client, "orphan-events", "2026-11-18");
        client.resource(trainingRun("orphan", "orphan", "orphan-events")).create();
        awaitTrainingJobs("orphan", 1);
        awaitPhase("orphan-v1", ModelVersionStatus.Phase.Training);

        client.resources(TrainingRun.class).inNamespace(NS).withName("orphan").delete();
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                client.resources(TrainingRun.class)
                                                .inNamespace(NS)
                                                .withName("orphan")
                                                .get()
                                        == null);
        // no poke: the run's deletion itself reconciles the version
        ModelVersion orphan = awaitPhase("orphan-v1", ModelVersionStatus.Phase.Failed);
        assertThat(orphan.getStatus().approved).isFalse();
        assertThat(condition(orphan.getStatus(), "Approved").get().getReason())
                .isEqualTo("TrainingRunDeleted");
    }
}
