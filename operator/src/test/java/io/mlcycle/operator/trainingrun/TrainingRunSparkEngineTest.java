package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.testing.SparkOperator;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.assertControlledBy;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static io.mlcycle.operator.testing.Fixtures.materialize;
import static io.mlcycle.operator.testing.Fixtures.trained;
import static io.mlcycle.operator.testing.Fixtures.trainingRun;
import static org.assertj.core.api.Assertions.assertThat;

/** TrainingRuns with engine spark against the mock API server, the Spark Operator simulated. */
@MockApiTier
@QuarkusTest
class TrainingRunSparkEngineTest {

    @Inject KubernetesClient client;

    static TrainingRun sparkRun(String name, String model, String view) {
        TrainingRun tr = trainingRun(name, model, view);
        tr.getSpec().algorithm = TrainingRunSpec.Algorithm.xgboost;
        tr.getSpec().engine = TrainingRunSpec.Engine.spark;
        return tr;
    }

    @Test
    void engineSparkTrainsInAnOwnedSparkApplicationAndRegistersTheDriversVersion() {
        materialize(client, "sp-events", "2026-11-18");
        TrainingRun created = client.resource(sparkRun("sp", "spark-model", "sp-events")).create();
        SparkOperator spark = new SparkOperator(client);
        String name = "sp-train-v1-1";
        GenericKubernetesResource app = spark.awaitApplication(name);
        assertControlledBy(app, created);
        assertThat(app.getMetadata().getLabels())
                .containsEntry("mlcycle.io/runtime", "trainer")
                .containsEntry("mlcycle.io/engine", "spark")
                .containsEntry("mlcycle.io/trainingrun", "sp")
                .containsEntry("mlcycle.io/version", "1");
        TrainTask task = (TrainTask) TrainingJobs.task(app).orElseThrow();
        assertThat(task.algorithm()).isEqualTo("xgboost");
        assertThat(task.outputUri()).isEqualTo("file:///data/models/spark-model/v1/");
        // no training Job: the SparkApplication trains
        assertThat(jobs(client, "mlcycle.io/trainingrun", "sp")).isEmpty();
        // the version number is reserved before the application runs
        awaitResource(client, ModelVersion.class, "spark-model-v1", m -> m != null);
        awaitEvent(client, "sp", "TrainingStarted");

        spark.finish(name, trained("file:///data/models/spark-model/v1/", 0.81));

        ModelVersion v1 =
                awaitResource(
                        client,
                        ModelVersion.class,
                        "spark-model-v1",
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().phase
                                                == ModelVersionStatus.Phase.Approved);
        assertThat(v1.getSpec().metrics).containsEntry("auc", 0.81);
        assertThat(v1.getSpec().lineage.image).isEqualTo("mlcycle/trainer-spark:0.1.0");
        assertThat(v1.getSpec().lineage.job).isEqualTo(name);
        TrainingRun tr =
                awaitResource(
                        client,
                        TrainingRun.class,
                        "sp",
                        t -> t.getStatus() != null && Boolean.TRUE.equals(t.getStatus().approved));
        assertThat(tr.getStatus().phase).isEqualTo(TrainingRunStatus.Phase.Succeeded);
        assertThat(tr.getStatus().modelVersion).isEqualTo("spark-model-v1");
    }

    @Test
    void executorsThatCannotAllStartFailTheRunNamingTheSetting() {
        materialize(client, "sp-gang-events", "2026-11-18");
        client.resource(sparkRun("sp-gang", "gang-model", "sp-gang-events")).create();
        SparkOperator spark = new SparkOperator(client);
        String name = "sp-gang-train-v1-1";
        spark.awaitApplication(name);
        spark.finish(
                name,
                Summary.failure(
                        Summary.Outcome.Failed,
                        "ExecutorsUnavailable",
                        "XGBoost on Spark trains in barrier mode and needs all 4 workers"
                                + " (executor instances x cores) running at once, but fewer task"
                                + " slots started: lower spec.spark.executor.instances"));

        TrainingRun failed =
                awaitCondition(client, TrainingRun.class, "sp-gang", "Degraded", "True");
        assertCondition(failed.getStatus(), "Degraded", "True", "ExecutorsUnavailable")
                .contains("spec.spark.executor.instances");
        awaitResource(
                client,
                ModelVersion.class,
                "gang-model-v1",
                m ->
                        m.getStatus() != null
                                && m.getStatus().phase == ModelVersionStatus.Phase.Failed);
    }

    @Test
    void autoWithTheSparkEngineIsInvalidSpecAndStartsNothing() {
        TrainingRun tr = sparkRun("sp-auto", "auto-model", "whatever");
        tr.getSpec().algorithm = TrainingRunSpec.Algorithm.auto;
        client.resource(tr).create();
        TrainingRun invalid =
                awaitCondition(client, TrainingRun.class, "sp-auto", "InvalidSpec", "True");
        assertThat(condition(invalid.getStatus(), "InvalidSpec").get().getMessage())
                .contains("spec.algorithm 'auto'")
                .contains("spec.engine 'spark'");
        assertThat(new SparkOperator(client).get("sp-auto-train-v1-1")).isNull();
    }
}
