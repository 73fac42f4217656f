package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.mlcycle.common.SparseTables;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch scoring with {@code spec.batch.engine: spark} end to end in local mode, the cluster's way:
 * the real operator creates a SparkApplication, LocalSparkOperator submits it in cluster mode, the
 * kubelet runs the real scorer-spark driver, whose Kubernetes scheduler backend creates two
 * executor pods through the API that read and score the feature table; the scores it publishes
 * equal those of a second deployment scoring the same version with the single-pod engine; then a
 * run whose executor pods cannot start ends with BatchScored False naming the cause and the
 * settings, and the last good scores stay.
 */
@EndToEndTier
@ExtendWith(OneSparkE2eAtATime.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkBatchScoringE2E {

    static final String NS = "default";
    static LocalCluster cluster;
    static LocalCluster.Options options;
    static SparkPods executors;

    @AfterAll
    static void stop() {
        if (executors != null) {
            executors.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static String trainingRun() {
        return SmallChain.trainingRun(
                "scored-training",
                "scored-model",
                "players",
                """
                algorithm: xgboost
                explain:
                  method: none
                """);
    }

    /**
     * A deployment without serving pods that scores once a day at {@code cron} with {@code engine}
     * (a run per minute would overlap the Spark runs, each replacing the one being followed).
     */
    static String deployment(String name, String cron, String engine, String extra) {
        return SmallChain.deployment(
                        name,
                        "scored-model",
                        "latestApproved",
                        0,
                        """
                batch:
                  schedule: "%s"
                  output:
                    uri: "file:///data/scores/%s/"
                  engine: %s
                """
                                .formatted(cron, name, engine))
                + extra;
    }

    static Object lastOutcome(String deployment) {
        return E2eSetup.field(
                cluster.client(),
                NS,
                "ModelDeployment",
                deployment,
                "status",
                "batch",
                "lastOutcome");
    }

    @Test
    @Order(1)
    void sparkExecutorsScoreTheSameScoresAsTheSinglePod() throws Exception {
        List<String> jars = new ArrayList<>(List.of(E2eSetup.CHAIN_JARS));
        jars.add("runtime-images/scorer-spark/target/scorer-spark.jar");
        E2eSetup.projectRoot(jars.toArray(String[]::new));
        LocalCluster.Options o = SmallChain.options("local/target/e2e-spark-batch");
        options = o;
        cluster = LocalCluster.start(o);
        executors = new SparkPods(cluster.client(), o.workDir());
        Path manifests = o.workDir().resolve("spark-batch.yaml");
        // the first fire at the next whole minute at least 20 s away: after the deployments
        // exist (fire times before a deployment was created are not made up), once
        String cron = dailyAt(nextWholeMinute(Instant.now().plusSeconds(20)));
        Files.writeString(
                manifests,
                SmallChain.featureView("players", "2026-11-20")
                        + "---\n"
                        + trainingRun()
                        + "---\n"
                        + deployment("pod-scores", cron, "pod", "")
                        + "---\n"
                        + deployment(
                                "spark-scores",
                                cron,
                                "spark",
                                """
                                    spark:
                                      executor:
                                        instances: 2
                                        cores: 1
                                        memory: 512m
                                """));
        cluster.apply(manifests);
        E2eSetup.awaitState(
                cluster,
                "both deployments' batch runs Succeeded",
                Duration.ofMinutes(10),
                Duration.ofSeconds(2),
                () ->
                        "Succeeded".equals(lastOutcome("pod-scores"))
                                && "Succeeded".equals(lastOutcome("spark-scores")));

        GenericKubernetesResource app =
                cluster.client()
                        .genericKubernetesResources(LocalSparkOperator.CONTEXT)
                        .inNamespace(NS)
                        .withLabel("mlcycle.io/modeldeployment", "spark-scores")
                        .list()
                        .getItems()
                        .get(0);
        String appName = app.getMetadata().getName();
        assertThat(app.<Object>get("status", "applicationState", "state")).isEqualTo("COMPLETED");
        String appId = String.valueOf(app.<Object>get("status", "sparkApplicationId"));
        executors.assertRanTasks(
                appId, appName + "-driver", "read and scored feature parts", "Finished task");

        Path pod = single(o.dataRoot().resolve("data/scores/pod-scores"));
        Path spark = single(o.dataRoot().resolve("data/scores/spark-scores"));
        List<String> expected = rows(pod);
        assertThat(expected).hasSizeGreaterThan(20);
        assertThat(rows(spark)).containsExactlyElementsOf(expected);
    }

    @Test
    @Order(2)
    void executorsThatCannotStartFailTheRunNamingTheSettingAndKeepTheLastGoodScores()
            throws Exception {
        assertThat(cluster).as("the cluster the first test started").isNotNull();
        Path good = single(options.dataRoot().resolve("data/scores/spark-scores"));
        byte[] before = Files.readAllBytes(good);
        Object goodUri = batchField("spark-scores", "lastUri");
        // the latest whole minute after the first run's fire: it has passed already (unless the
        // first run ended within its minute), and the latest fire since the last start runs once
        Instant firstFire =
                Instant.parse(String.valueOf(batchField("spark-scores", "lastScheduleTime")));
        Instant fire = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        if (!fire.isAfter(firstFire)) {
            fire = nextWholeMinute(Instant.now());
        }
        String cron = dailyAt(fire);
        cluster.client()
                .genericKubernetesResources(ResourceTable.API_VERSION, "ModelDeployment")
                .inNamespace(NS)
                .withName("spark-scores")
                .edit(
                        md -> {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> batch =
                                    (Map<String, Object>)
                                            ((Map<String, Object>)
                                                            md.getAdditionalProperties()
                                                                    .get("spec"))
                                                    .get("batch");
                            batch.put("schedule", cron);
                            @SuppressWarnings("unchecked")
                            Map<String, Object> spark = (Map<String, Object>) batch.get("spark");
                            spark.put(
                                    "sparkConf",
                                    Map.of(
                                            "spark.kubernetes.executor.container.image",
                                            "local/no-such-runtime"));
                            return md;
                        });

        String status =
                E2eSetup.awaitValue(
                        cluster,
                        "the spark-scores run at " + cron + " failed naming the executor settings",
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(2),
                        () ->
                                cluster.client()
                                        .getKubernetesSerialization()
                                        .asJson(
                                                E2eSetup.field(
                                                        cluster.client(),
                                                        NS,
                                                        "ModelDeployment",
                                                        "spark-scores",
                                                        "status")),
                        s -> "Failed".equals(lastOutcome("spark-scores")));
        assertThat(status)
                .containsAnyOf("ExecutorsFailed", "ExecutorsUnavailable")
                .contains("spec.batch.spark.executor");
        assertThat(batchField("spark-scores", "lastUri")).isEqualTo(goodUri);
        assertThat(single(options.dataRoot().resolve("data/scores/spark-scores"))).isEqualTo(good);
        assertThat(Arrays.equals(Files.readAllBytes(good), before))
                .as("the last good scores.parquet is unchanged")
                .isTrue();
    }

    /** The first whole minute after {@code t}. */
    static Instant nextWholeMinute(Instant t) {
        return t.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
    }

    /** A daily cron schedule (UTC) that fires at {@code fire}'s hour and minute. */
    static String dailyAt(Instant fire) {
        ZonedDateTime at = fire.atZone(ZoneOffset.UTC);
        return at.getMinute() + " " + at.getHour() + " * * *";
    }

    static Object batchField(String deployment, String name) {
        return E2eSetup.field(
                cluster.client(), NS, "ModelDeployment", deployment, "status", "batch", name);
    }

    /** The one published scores.parquet under {@code dir}. */
    static Path single(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            List<Path> found =
                    files.filter(p -> p.getFileName().toString().equals("scores.parquet"))
                            .filter(p -> !p.toString().contains("/."))
                            .toList();
            assertThat(found).as("scores.parquet under " + dir).hasSize(1);
            return found.get(0);
        }
    }

    static List<String> rows(Path parquet) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, score, rank FROM read_parquet("
                                        + SparseTables.literal(parquet.toString())
                                        + ")")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "|" + rs.getFloat(2) + "|" + rs.getLong(3));
            }
        }
        return out;
    }
}
