package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.operator.testing.SparkOperator;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
@QuarkusTest
class BatchScoringTest {

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    @Test
    void scoresTheLatestFeatureTableOnTheScheduleWithOneJobPerFireTime() {
        BatchFixtures.materializedFeatureView(client, "fv-batch");
        version(client, "m-batch", 1, true);
        ModelDeployment md = BatchFixtures.dailyBatch("md-batch", "m-batch", "fv-batch");
        ModelDeployment created = BatchFixtures.createWithBatchStatus(client, md);
        assertThat(jobs(client, "mlcycle.io/modeldeployment", "md-batch")).isEmpty();

        ZonedDateTime fire = BatchFixtures.firstFire(created);
        clock.set(fire.toInstant().plusSeconds(30));
        // The serving pods becoming ready wakes the operator, which sees the fire time passed.
        ModelDeployments.markReady(client, "md-batch");

        String date = fire.toLocalDate().toString();
        String jobName = "md-batch-score-" + date.replace("-", "") + "-0500";
        Job job =
                await().atMost(TIMEOUT)
                        .until(
                                () ->
                                        client.batch()
                                                .v1()
                                                .jobs()
                                                .inNamespace(NS)
                                                .withName(jobName)
                                                .get(),
                                j -> j != null);
        ScoreTask task = (ScoreTask) Kubelet.task(job);
        assertThat(task.artifactUri()).isEqualTo("file:///data/models/m-batch/v1/");
        assertThat(task.version()).isEqualTo(1);
        assertThat(task.asOf()).isEqualTo(date);
        assertThat(task.entity()).isEqualTo("user_id");
        assertThat(task.features())
                .containsExactly(
                        new FeatureInput(
                                "fv-batch",
                                "2026-11-18",
                                "file:///data/features/fv-batch/asOf=2026-11-18/"));
        assertThat(task.outputUri()).isEqualTo("file:///data/scores/m-batch/asOf=" + date + "/");
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");

        String scores = "file:///data/scores/m-batch/asOf=" + date + "/";
        new Kubelet(client).finish(job, Summary.succeeded(scores, Map.of("rows", 100.0), null));
        ModelDeployment done =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-batch",
                        m -> "Succeeded".equals(m.getStatus().batch.lastOutcome));
        assertThat(done.getStatus().batch.lastRows).isEqualTo(100L);
        assertThat(done.getStatus().batch.lastUri).isEqualTo(scores);
        assertThat(done.getStatus().batch.lastAsOf).isEqualTo(date);
        assertThat(done.getStatus().batch.activeJob).isNull();
        await().atMost(TIMEOUT).until(() -> hasEvent(client, "md-batch", "BatchScored"));

        // Reconciled again (a spec edit) at the same fire time: no second Job.
        Cluster.edit(
                client,
                ModelDeployment.class,
                "md-batch",
                m -> {
                    m.getSpec().replicas = 2;
                    return m;
                });
        await().atMost(TIMEOUT)
                .until(
                        () -> ModelDeployments.servingDeployment(client, "md-batch"),
                        d -> d.getSpec().getReplicas() == 2);
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(jobs(client, "mlcycle.io/modeldeployment", "md-batch")).hasSize(1);
    }

    @Test
    void aFireWhileARunIsStillActiveWaitsForItThenTheLatestFireRunsOnce() {
        Instant before = clock.instant();
        try {
            BatchFixtures.materializedFeatureView(client, "fv-overlap");
            version(client, "m-overlap", 1, true);
            ModelDeployment md = BatchFixtures.dailyBatch("md-overlap", "m-overlap", "fv-overlap");
            ModelDeployment created = BatchFixtures.createWithBatchStatus(client, md);
            ZonedDateTime fire = BatchFixtures.firstFire(created);
            clock.set(fire.toInstant().plusSeconds(30));
            ModelDeployments.markReady(client, "md-overlap");
            String first = "md-overlap-score-" + fire.toLocalDate().toString().replace("-", "");
            Job running =
                    await("the first fire's Job")
                            .atMost(TIMEOUT)
                            .until(
                                    () ->
                                            client.batch()
                                                    .v1()
                                                    .jobs()
                                                    .inNamespace(NS)
                                                    .withName(first + "-0500")
                                                    .get(),
                                    j -> j != null);

            // Two more fire times pass while that Job still runs, and the operator looks again.
            ZonedDateTime third = fire.plusDays(2);
            clock.set(third.toInstant().plusSeconds(30));
            Cluster.edit(
                    client,
                    ModelDeployment.class,
                    "md-overlap",
                    m -> {
                        m.getSpec().replicas = 2;
                        return m;
                    });
            await("the edit reconciled")
                    .atMost(TIMEOUT)
                    .until(
                            () -> ModelDeployments.servingDeployment(client, "md-overlap"),
                            d -> d.getSpec().getReplicas() == 2);
            await().pollDelay(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> true);
            assertThat(jobs(client, "mlcycle.io/modeldeployment", "md-overlap"))
                    .as("no second run while the first is active")
                    .hasSize(1);
            assertThat(
                            client.resources(ModelDeployment.class)
                                    .inNamespace(NS)
                                    .withName("md-overlap")
                                    .get()
                                    .getStatus()
                                    .batch
                                    .activeJob)
                    .isEqualTo(first + "-0500");

            // When it finishes, the latest missed fire runs, once.
            String scores = "file:///data/scores/m-overlap/asOf=" + fire.toLocalDate() + "/";
            new Kubelet(client)
                    .finish(running, Summary.succeeded(scores, Map.of("rows", 10.0), null));
            String latest =
                    "md-overlap-score-" + third.toLocalDate().toString().replace("-", "") + "-0500";
            ModelDeployment moved =
                    awaitResource(
                            client,
                            ModelDeployment.class,
                            "md-overlap",
                            m -> latest.equals(m.getStatus().batch.activeJob));
            assertThat(moved.getStatus().batch.lastUri).isEqualTo(scores);
            assertThat(jobs(client, "mlcycle.io/modeldeployment", "md-overlap"))
                    .extracting(j -> j.getMetadata().getName())
                    .containsExactlyInAnyOrder(first + "-0500", latest);
        } finally {
            clock.set(before);
        }
    }

    @Test
    void anIcebergViewIsScoredInAPodOrOnSparkBothWithTheCatalogsCredentials() {
        Instant before = clock.instant();
        try {
            icebergViewScoredInAPodAndOnSpark();
        } finally {
            clock.set(before);
        }
    }

    private void icebergViewScoredInAPodAndOnSpark() {
        BatchFixtures.materializedFeatureView(
                client,
                "fv-batch-lake",
                spec -> {
                    spec.store.format = StoreFormat.iceberg;
                    spec.store.catalog = new IcebergCatalog();
                    spec.store.catalog.type = IcebergCatalog.Type.jdbc;
                    spec.store.catalog.uri = "jdbc:postgresql://pg:5432/lake";
                    spec.store.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
                    spec.store.catalog.credentialsSecret.name = "lake-catalog";
                });
        version(client, "m-batch-lake", 1, true);
        ModelDeployment created =
                BatchFixtures.createWithBatchStatus(
                        client,
                        BatchFixtures.dailyBatch("md-batch-lake", "m-batch-lake", "fv-batch-lake"));
        ModelDeployment onSpark =
                BatchFixtures.dailyBatch("md-batch-lake-spark", "m-batch-lake", "fv-batch-lake");
        onSpark.getSpec().batch.engine = ModelDeploymentSpec.BatchEngine.spark;
        onSpark.getSpec().batch.output.uri = "file:///data/scores/m-batch-lake-spark";
        BatchFixtures.createWithBatchStatus(client, onSpark);
        ZonedDateTime fire = BatchFixtures.firstFire(created);
        clock.set(fire.toInstant().plusSeconds(30));
        ModelDeployments.markReady(client, "md-batch-lake");
        ModelDeployments.markReady(client, "md-batch-lake-spark");

        String date = fire.toLocalDate().toString().replace("-", "");
        Job job = Cluster.awaitJob(client, "md-batch-lake-score-" + date + "-0500");
        FeatureInput input = ((ScoreTask) Kubelet.task(job)).features().get(0);
        assertThat(input.asOf()).isEqualTo("2026-11-18");
        assertThat(input.catalog().type()).isEqualTo("jdbc");
        assertThat(input.catalog().uri()).isEqualTo("jdbc:postgresql://pg:5432/lake");
        assertThat(input.catalog().table()).isEqualTo("fv-batch-lake");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .filteredOn(
                        e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .extracting(EnvVar::getName, e -> e.getValueFrom().getSecretKeyRef().getName())
                .contains(
                        Tuple.tuple(PodEnv.CATALOG_USER, "lake-catalog"),
                        Tuple.tuple(PodEnv.CATALOG_PASSWORD, "lake-catalog"));

        GenericKubernetesResource app =
                new SparkOperator(client)
                        .awaitApplication("md-batch-lake-spark-score-" + date + "-0500");
        List<Map<String, Object>> driverEnv = app.get("spec", "driver", "env");
        assertThat(driverEnv)
                .filteredOn(e -> secretRef(e) != null)
                .extracting(e -> e.get("name"), e -> secretRef(e).get("name"))
                .contains(
                        Tuple.tuple(PodEnv.CATALOG_USER, "lake-catalog"),
                        Tuple.tuple(PodEnv.CATALOG_PASSWORD, "lake-catalog"));
        assertThat(jobs(client, "mlcycle.io/modeldeployment", "md-batch-lake-spark")).isEmpty();
    }

    /** The Secret an env entry of a SparkApplication's driver takes its value from, or null. */
    private static Map<?, ?> secretRef(Map<String, Object> env) {
        return env.get("valueFrom") instanceof Map<?, ?> from
                ? (Map<?, ?>) from.get("secretKeyRef")
                : null;
    }

    @Test
    void theSparkEngineScoresThroughASparkApplicationAndAFailedOneKeepsTheLastGoodScores() {
        // the clock is shared: the other tests expect it before their first fire time
        Instant before = clock.instant();
        try {
            sparkEngineScoresAndKeepsTheLastGoodScores();
        } finally {
            clock.set(before);
        }
    }

    private void sparkEngineScoresAndKeepsTheLastGoodScores() {
        BatchFixtures.materializedFeatureView(client, "fv-batch-spark");
        version(client, "m-batch-spark", 1, true);
        ModelDeployment md =
                BatchFixtures.dailyBatch("md-batch-spark", "m-batch-spark", "fv-batch-spark");
        md.getSpec().batch.engine = ModelDeploymentSpec.BatchEngine.spark;
        md.getSpec().batch.spark = new SparkSpec();
        md.getSpec().batch.spark.executor = new SparkSpec.Executor();
        md.getSpec().batch.spark.executor.instances = 2;
        md.getSpec().batch.spark.executor.memoryOverhead = "512m";
        ModelDeployment created = BatchFixtures.createWithBatchStatus(client, md);
        ZonedDateTime fire = BatchFixtures.firstFire(created);
        clock.set(fire.toInstant().plusSeconds(30));
        ModelDeployments.markReady(client, "md-batch-spark");

        String date = fire.toLocalDate().toString();
        String name = "md-batch-spark-score-" + date.replace("-", "") + "-0500";
        SparkOperator spark = new SparkOperator(client);
        GenericKubernetesResource app = spark.awaitApplication(name);
        assertThat(jobs(client, "mlcycle.io/modeldeployment", "md-batch-spark")).isEmpty();
        assertThat((Object) app.get("spec", "mainClass")).isEqualTo("io.mlcycle.scorer.spark.Main");
        assertThat((Object) app.get("spec", "image")).isEqualTo("mlcycle/scorer-spark:0.1.0");
        assertThat((Object) app.get("spec", "executor", "instances")).isEqualTo(2);
        assertThat((Object) app.get("spec", "executor", "memoryOverhead")).isEqualTo("512m");
        List<Map<String, Object>> env = app.get("spec", "driver", "env");
        ScoreTask task = (ScoreTask) SparkOperator.driverTask(app);
        assertThat(task.outputUri())
                .isEqualTo("file:///data/scores/m-batch-spark/asOf=" + date + "/");

        String scores = "file:///data/scores/m-batch-spark/asOf=" + date + "/";
        spark.finish(name, Summary.succeeded(scores, Map.of("rows", 100.0), null));
        ModelDeployment done =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-batch-spark",
                        m -> Cluster.conditionIs(m.getStatus(), "BatchScored", "True"));
        assertThat(done.getStatus().batch.lastUri).isEqualTo(scores);
        assertThat(done.getStatus().batch.lastRows).isEqualTo(100L);

        // The next day the image lacks the scorer: the driver fails before any summary.
        ZonedDateTime next = fire.plusDays(1);
        clock.set(next.toInstant().plusSeconds(30));
        Cluster.edit(
                client,
                ModelDeployment.class,
                "md-batch-spark",
                m -> {
                    m.getSpec().replicas = 2;
                    return m;
                });
        String second =
                "md-batch-spark-score-" + next.toLocalDate().toString().replace("-", "") + "-0500";
        spark.awaitApplication(second);
        spark.run(second);
        spark.terminateDriver(second, 127, "exec: /opt/mlcycle/scorer-spark.jar: not found");
        spark.state(
                second, "FAILED", "driver container failed with ExitCode: 127", second + "-driver");
        ModelDeployment failed =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-batch-spark",
                        m -> Cluster.conditionIs(m.getStatus(), "BatchScored", "False"));
        assertThat(Cluster.condition(failed.getStatus(), "BatchScored").get().getReason())
                .isNotBlank();
        assertThat(Cluster.condition(failed.getStatus(), "BatchScored").get().getMessage())
                .contains("scorer-spark.jar: not found")
                .contains("spec.batch.spark.image");
        assertThat(failed.getStatus().batch.lastOutcome).isEqualTo("Failed");
        // the last good scores stay the deployment's scores
        assertThat(failed.getStatus().batch.lastUri).isEqualTo(scores);
        await().atMost(TIMEOUT)
                .until(() -> hasEvent(client, "md-batch-spark", "BatchScoringFailed"));
    }

    @Test
    void aSecondDeploymentScoringIntoAnotherOnesOutputIsRefusedAndStillServes() {
        version(client, "m-batch-shared", 1, true);
        for (String name : List.of("md-batch-first", "md-batch-second")) {
            ModelDeployment md = deployment(name, "m-batch-shared");
            md.getSpec().batch = new ModelDeploymentSpec.Batch();
            md.getSpec().batch.schedule = "0 5 * * *";
            md.getSpec().batch.output = new ModelDeploymentSpec.Output();
            md.getSpec().batch.output.uri =
                    name.endsWith("first")
                            ? "file:///data/scores/shared/"
                            : "file:///data/scores/shared";
            client.resource(md).create();
        }
        ModelDeployment refused =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-batch-second",
                        m -> Cluster.conditionIs(m.getStatus(), "BatchOutputConflict", "True"));
        assertThat(Cluster.condition(refused.getStatus(), "BatchOutputConflict").get().getMessage())
                .contains("spec.batch.output.uri file:///data/scores/shared")
                .contains("ModelDeployment " + NS + "/md-batch-first");
        assertThat(refused.getStatus().batch).isNull();
        await().atMost(TIMEOUT)
                .until(() -> hasEvent(client, "md-batch-second", "BatchOutputConflict"));
        // serving is not affected: its Deployment exists
        assertThat(ModelDeployments.servingDeployment(client, "md-batch-second")).isNotNull();
        ModelDeployment owner =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-batch-first",
                        m -> m.getStatus() != null && m.getStatus().batch != null);
        assertThat(Cluster.condition(owner.getStatus(), "BatchOutputConflict")).isEmpty();
    }
}
