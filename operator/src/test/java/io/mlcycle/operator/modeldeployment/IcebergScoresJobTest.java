package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.operator.testing.SparkOperator;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.operator.testing.Trees;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batch scores as an Iceberg table ({@code spec.batch.output.format: iceberg}): the scoring Job's
 * task names the table (default {@code <deployment>_scores}, the warehouse {@code output.uri}) and
 * the pod (or the Spark driver and executors, a rest catalog's bearer token too) gets the catalog's
 * Secret beside the feature catalog's; the committed snapshot reaches status, the BatchScored
 * condition and the Event.
 */
@MockApiTier
@QuarkusTest
class IcebergScoresJobTest {

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    @Test
    void theScoringJobCommitsToTheDeploymentsTableAndStatusNamesTableAndSnapshot() {
        Instant before = clock.instant();
        try {
            scoredIntoTheTable();
        } finally {
            clock.set(before);
        }
    }

    /** {@code md} with its scores committed to a JDBC catalog whose Secret is scores-catalog. */
    private static ModelDeployment scoringIntoATable(ModelDeployment md) {
        md.getSpec().batch.output.format = StoreFormat.iceberg;
        md.getSpec().batch.output.catalog = new IcebergCatalog();
        md.getSpec().batch.output.catalog.type = IcebergCatalog.Type.jdbc;
        md.getSpec().batch.output.catalog.uri = "jdbc:postgresql://pg:5432/lake";
        md.getSpec().batch.output.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
        md.getSpec().batch.output.catalog.credentialsSecret.name = "scores-catalog";
        return md;
    }

    @Test
    void onSparkTheDriverAndExecutorsGetTheRestScoresTableAndTheCatalogSecretWithItsToken() {
        Instant before = clock.instant();
        try {
            BatchFixtures.materializedFeatureView(client, "fv-ice-spark");
            version(client, "m-ice-spark", 1, true);
            ModelDeployment md =
                    scoringIntoATable(
                            BatchFixtures.dailyBatch(
                                    "md-ice-spark", "m-ice-spark", "fv-ice-spark"));
            md.getSpec().batch.output.catalog.type = IcebergCatalog.Type.rest;
            md.getSpec().batch.output.catalog.uri = "https://203.0.113.9/api/catalog";
            md.getSpec().batch.engine = ModelDeploymentSpec.BatchEngine.spark;
            ModelDeployment created = BatchFixtures.createWithBatchStatus(client, md);
            ZonedDateTime fire = BatchFixtures.firstFire(created);
            clock.set(fire.toInstant().plusSeconds(30));
            ModelDeployments.markReady(client, "md-ice-spark");

            String date = fire.toLocalDate().toString().replace("-", "");
            GenericKubernetesResource app =
                    new SparkOperator(client)
                            .awaitApplication("md-ice-spark-score-" + date + "-0500");
            ScoreTask task = (ScoreTask) SparkOperator.driverTask(app);
            assertThat(task.outputCatalog().table()).isEqualTo("md-ice-spark_scores");
            assertThat(task.outputCatalog().uri()).isEqualTo("https://203.0.113.9/api/catalog");
            assertThat(task.outputCatalog().tokenEnv()).isEqualTo(PodEnv.SCORES_CATALOG_TOKEN);
            for (String pod : List.of("driver", "executor")) {
                List<Map<String, Object>> env = app.get("spec", pod, "env");
                assertThat(env)
                        .as(pod)
                        .filteredOn(e -> e.get("valueFrom") instanceof Map<?, ?>)
                        .extracting(e -> e.get("name"), e -> secretKeyRef(e).get("key"))
                        .contains(
                                Tuple.tuple(PodEnv.SCORES_CATALOG_USER, "username"),
                                Tuple.tuple(PodEnv.SCORES_CATALOG_PASSWORD, "password"),
                                Tuple.tuple(PodEnv.SCORES_CATALOG_TOKEN, "token"));
                assertThat(env)
                        .as(pod + ": the token only by reference")
                        .filteredOn(e -> PodEnv.SCORES_CATALOG_TOKEN.equals(e.get("name")))
                        .singleElement()
                        .satisfies(e -> assertThat(e).doesNotContainKey("value"))
                        .satisfies(
                                e ->
                                        assertThat(secretKeyRef(e))
                                                .containsEntry("name", "scores-catalog")
                                                .containsEntry("optional", true));
            }
        } finally {
            clock.set(before);
        }
    }

    /** The {@code secretKeyRef} of an env var in a SparkApplication's untyped spec. */
    private static Map<String, Object> secretKeyRef(Map<String, Object> env) {
        return Trees.at(env, "valueFrom", "secretKeyRef");
    }

    private void scoredIntoTheTable() {
        BatchFixtures.materializedFeatureView(client, "fv-ice-scores");
        version(client, "m-ice-scores", 1, true);
        ModelDeployment md =
                scoringIntoATable(
                        BatchFixtures.dailyBatch("md-ice", "m-ice-scores", "fv-ice-scores"));
        ModelDeployment created = BatchFixtures.createWithBatchStatus(client, md);
        ZonedDateTime fire = BatchFixtures.firstFire(created);
        clock.set(fire.toInstant().plusSeconds(30));
        ModelDeployments.markReady(client, "md-ice");

        String date = fire.toLocalDate().toString();
        Job job = Cluster.awaitJob(client, "md-ice-score-" + date.replace("-", "") + "-0500");
        ScoreTask task = (ScoreTask) Kubelet.task(job);
        assertThat(task.outputCatalog())
                .isEqualTo(
                        new TableCatalog(
                                "jdbc",
                                "mlcycle",
                                "jdbc:postgresql://pg:5432/lake",
                                "file:///data/scores/m-ice-scores",
                                "features",
                                "md-ice_scores",
                                PodEnv.SCORES_CATALOG_USER,
                                PodEnv.SCORES_CATALOG_PASSWORD,
                                null));
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .filteredOn(
                        e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .extracting(
                        EnvVar::getName,
                        e -> e.getValueFrom().getSecretKeyRef().getName(),
                        e -> e.getValueFrom().getSecretKeyRef().getKey())
                .contains(
                        Tuple.tuple(PodEnv.SCORES_CATALOG_USER, "scores-catalog", "username"),
                        Tuple.tuple(PodEnv.SCORES_CATALOG_PASSWORD, "scores-catalog", "password"));

        String table =
                "jdbc catalog 'mlcycle' (jdbc:postgresql://pg:5432/lake), table"
                        + " features.md-ice_scores";
        Map<String, Object> committed =
                Map.of(
                        ScoreSummary.COMMITTED,
                        new ScoreSummary.Committed(table, 7301L, date).detail());
        String uri = "file:///data/scores/m-ice-scores/features/md-ice_scores/data/run/";
        new Kubelet(client).finish(job, Summary.succeeded(uri, Map.of("rows", 40.0), committed));
        ModelDeployment done =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-ice",
                        m -> "Succeeded".equals(m.getStatus().batch.lastOutcome));
        assertThat(done.getStatus().batch.lastTable).isEqualTo(table);
        assertThat(done.getStatus().batch.lastSnapshotId).isEqualTo(7301L);
        assertThat(done.getStatus().batch.lastUri).isEqualTo(uri);
        String into = table + " as snapshot 7301 (tag asOf-" + date + ")";
        assertThat(done.getStatus().conditions)
                .filteredOn(c -> BatchScoring.BATCH_SCORED.equals(c.getType()))
                .singleElement()
                .satisfies(c -> assertThat(c.getMessage()).isEqualTo("scored into " + into));
        String event = "scored 40 rows as of " + date + " into " + into;
        await().atMost(TIMEOUT)
                .until(
                        () ->
                                Cluster.events(client, "md-ice").stream()
                                        .anyMatch(
                                                e ->
                                                        "BatchScored".equals(e.getReason())
                                                                && event.equals(e.getMessage())));
    }
}
