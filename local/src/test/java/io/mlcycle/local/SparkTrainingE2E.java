package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TrainingRun engine spark end to end in local mode, the cluster's way: the real operator creates a
 * SparkApplication, LocalSparkOperator submits it in cluster mode (driver ConfigMap and Pod through
 * the mock API), the kubelet runs the real trainer-spark driver, whose Kubernetes scheduler backend
 * creates two executor pods through the same API; the kubelet runs them as processes (the
 * trainer-spark jar, XGBoost's natives) that join XGBoost4J-Spark's barrier stage and its tracker
 * on the driver. The operator registers the driver's version, and a ModelDeployment serves it with
 * the server's scorer. The FeatureView it trains on is pivoted on Spark too (a pivot-spark driver
 * and its executor pod) into an Apache Iceberg table ({@code store.format: iceberg}, Hadoop catalog
 * on the data volume): the trainer plans the as-of's tag and the model's lineage names the snapshot
 * the table's metadata has under that tag.
 */
@EndToEndTier
@ExtendWith(OneSparkE2eAtATime.class)
class SparkTrainingE2E {

    static final String NS = "default";
    static LocalCluster cluster;
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

    static String sparkTrainingRun() {
        return SmallChain.trainingRun(
                "spark-training",
                "spark-model",
                "players",
                """
                engine: spark
                algorithm: xgboost
                explain:
                  method: shap
                  samples: 100
                """);
    }

    /**
     * The players' view pivoted on Spark (one executor) into an Iceberg table: Iceberg's Hadoop
     * catalog with its warehouse at the view's store URI, table features.players.
     */
    static String sparkIcebergFeatureView() {
        return SmallChain.featureView("players", "2026-11-20")
                + """
                    format: iceberg
                    catalog: {type: hadoop}
                  engine: spark
                  spark:
                    executor: {instances: 1}
                """;
    }

    /**
     * The snapshot the Hadoop catalog's current metadata file under {@code table} tags {@code tag},
     * read from the files, not through Iceberg.
     */
    static long taggedSnapshot(Path table, String tag) throws IOException {
        Path metadata = table.resolve("metadata");
        String version = Files.readString(metadata.resolve("version-hint.text")).trim();
        Map<?, ?> json =
                cluster.client()
                        .getKubernetesSerialization()
                        .unmarshal(
                                Files.readString(
                                        metadata.resolve("v" + version + ".metadata.json")),
                                Map.class);
        Object ref = ((Map<?, ?>) json.get("refs")).get(tag);
        assertThat(ref).as("tag " + tag + " in " + metadata).isInstanceOf(Map.class);
        return ((Number) ((Map<?, ?>) ref).get("snapshot-id")).longValue();
    }

    @Test
    void aSparkTrainedVersionIsRegisteredAndServed() throws Exception {
        List<String> jars = new ArrayList<>(List.of(E2eSetup.CHAIN_JARS));
        jars.add("runtime-images/pivot-spark/target/pivot-spark.jar");
        jars.add("runtime-images/trainer-spark/target/trainer-spark.jar");
        E2eSetup.projectRoot(jars.toArray(String[]::new));
        LocalCluster.Options o = SmallChain.options("local/target/e2e-spark-training");
        cluster = LocalCluster.start(o);
        executors = new SparkPods(cluster.client(), o.workDir());
        Path manifests = o.workDir().resolve("spark-training.yaml");
        Files.writeString(
                manifests,
                sparkIcebergFeatureView()
                        + "---\n"
                        + sparkTrainingRun()
                        + "---\n"
                        + SmallChain.deployment("spark-serving", "spark-model", ""));
        cluster.apply(manifests);
        E2eSetup.awaitState(
                cluster,
                "the Spark-trained v1 served",
                Duration.ofMinutes(8),
                Duration.ofSeconds(1),
                () ->
                        Integer.valueOf(1)
                                        .equals(
                                                E2eSetup.field(
                                                        cluster.client(),
                                                        NS,
                                                        "ModelDeployment",
                                                        "spark-serving",
                                                        "status",
                                                        "currentVersion"))
                                && "Available"
                                        .equals(
                                                E2eSetup.field(
                                                        cluster.client(),
                                                        NS,
                                                        "ModelDeployment",
                                                        "spark-serving",
                                                        "status",
                                                        "phase")));

        GenericKubernetesResource app =
                cluster.client()
                        .genericKubernetesResources(LocalSparkOperator.CONTEXT)
                        .inNamespace(NS)
                        .withName("spark-training-train-v1-1")
                        .get();
        assertThat(app.<Object>get("status", "applicationState", "state")).isEqualTo("COMPLETED");
        assertThat(
                        E2eSetup.field(
                                cluster.client(),
                                NS,
                                "ModelVersion",
                                "spark-model-v1",
                                "spec",
                                "lineage",
                                "image"))
                .isEqualTo("local/trainer-spark");
        String appName = "spark-training-train-v1-1";
        Pod driver = cluster.client().pods().inNamespace(NS).withName(appName + "-driver").get();
        assertThat(driver.getSpec().getContainers().get(0).getArgs())
                .startsWith("driver", "--properties-file");
        String appId = String.valueOf(app.<Object>get("status", "sparkApplicationId"));
        executors.assertRanTasks(
                appId,
                appName + "-driver",
                "tasks ran, its barrier task joined XGBoost's tracker,",
                "Finished task",
                "got rank");
        assertThat(Files.readString(executors.log(driver)))
                .as("XGBoost's barrier stage scheduled on the two executors")
                .contains("Successfully scheduled all the 2 tasks for barrier stage");
        assertIcebergPivotOnSparkInTheLineage(o.dataRoot().resolve("data/features/players"));
        Path artifact = o.dataRoot().resolve("data/models/spark-model/v1");
        assertThat(artifact.resolve("model.xgb.json")).exists();
        assertThat(artifact.resolve("_SUCCESS")).exists();
        assertThat(
                        cluster.client()
                                .pods()
                                .inNamespace(NS)
                                .withName("spark-training-train-v1-1-driver")
                                .get()
                                .getStatus()
                                .getContainerStatuses()
                                .get(0)
                                .getState()
                                .getTerminated()
                                .getMessage())
                .contains("\"algorithm\":\"xgboost\"");
    }

    /**
     * The view's pivot ran as a SparkApplication and committed an Iceberg snapshot tagged
     * asOf-2026-11-20 (no dated Parquet directory); the version's lineage names that snapshot.
     */
    @SuppressWarnings("unchecked")
    private static void assertIcebergPivotOnSparkInTheLineage(Path warehouse) throws IOException {
        assertThat(
                        E2eSetup.field(
                                cluster.client(),
                                NS,
                                "FeatureView",
                                "players",
                                "status",
                                "latest",
                                "engine"))
                .isEqualTo("spark");
        GenericKubernetesResource pivot =
                cluster.client()
                        .genericKubernetesResources(LocalSparkOperator.CONTEXT)
                        .inNamespace(NS)
                        .withName("players-pivot-20261120-1")
                        .get();
        assertThat(pivot.<Object>get("status", "applicationState", "state")).isEqualTo("COMPLETED");
        assertThat(warehouse.resolve("asOf=2026-11-20")).doesNotExist();
        long tagged = taggedSnapshot(warehouse.resolve("features/players"), "asOf-2026-11-20");
        List<Map<String, Object>> read =
                (List<Map<String, Object>>)
                        E2eSetup.field(
                                cluster.client(),
                                NS,
                                "ModelVersion",
                                "spark-model-v1",
                                "spec",
                                "lineage",
                                "featureViews");
        assertThat(read).hasSize(1);
        assertThat(read.get(0))
                .containsEntry("name", "players")
                .containsEntry("asOf", "2026-11-20");
        assertThat(((Number) read.get(0).get("snapshotId")).longValue()).isEqualTo(tagged);
    }
}
