package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * FeatureView engine spark end to end in local mode: the real operator creates a SparkApplication,
 * LocalSparkOperator runs the real pivot-spark driver (Spark local[2]) with the task from it, and
 * the operator reads the driver's termination message; the same view on duckdb over the same
 * generated log gives the same table.
 */
class SparkEngineE2E {

    static final String NS = "default";

    static Path root;
    static Path data;
    static LocalCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        root =
                E2eSetup.projectRoot(
                        "operator/target/quarkus-app/quarkus-run.jar",
                        "runtime-images/pivot/target/pivot.jar",
                        "runtime-images/pivot-spark/target/pivot-spark.jar",
                        "examples/generator/target/generator.jar");
        Path work = root.resolve("local/target/e2e-spark");
        LocalCluster.Options o = E2eSetup.freshOptions(root, work, System.out);
        QuickstartData.generate(
                root,
                o.dataRoot(),
                List.of(
                        "--out",
                        "data",
                        "--users",
                        "400",
                        "--items",
                        "120",
                        "--days",
                        "4",
                        "--end",
                        "2026-11-20",
                        "--seed",
                        "7"),
                work.resolve("logs/generator.log"));
        data = o.dataRoot().resolve("data");
        cluster = LocalCluster.start(o);
        client = cluster.client();
        cluster.apply(Path.of(System.getProperty("user.dir"), "src/test/resources/spark-engine"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static GenericKubernetesResource featureView(String name) {
        return client.genericKubernetesResources(ResourceTable.API_VERSION, "FeatureView")
                .inNamespace(NS)
                .withName(name)
                .get();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> latest(String name) {
        Object latest = featureView(name).get("status", "latest");
        return latest instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    @Test
    void bothEnginesMaterializeTheSameTable() throws Exception {
        await("both FeatureViews Ready")
                .atMost(Duration.ofMinutes(6))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            assertThat(cluster.operator().isAlive()).isTrue();
                            assertThat(Scenario.evaluate(cluster.resources()))
                                    .isNotInstanceOf(Scenario.Failed.class);
                            return latest("items-duckdb") != null && latest("items-spark") != null;
                        });

        Map<String, Object> duckdb = latest("items-duckdb");
        Map<String, Object> spark = latest("items-spark");
        assertThat(spark.get("engine")).isEqualTo("spark");
        assertThat(spark.get("job")).isEqualTo("items-spark-pivot-20261120-1");
        assertThat(duckdb.get("engine")).isEqualTo("duckdb");
        for (String figure : List.of("entities", "features", "nonZeros", "sparsity")) {
            assertThat(spark.get(figure)).as(figure).isNotNull().isEqualTo(duckdb.get(figure));
        }
        assertThat(((Number) spark.get("entities")).longValue()).isGreaterThan(50);

        Path duckdbTable = data.resolve("features/items-duckdb/asOf=2026-11-20");
        Path sparkTable = data.resolve("features/items-spark/asOf=2026-11-20");
        assertThat(sparkTable.resolve("_SUCCESS")).exists();
        assertThat(Files.readString(sparkTable.resolve("features.json")))
                .isEqualTo(Files.readString(duckdbTable.resolve("features.json")));

        GenericKubernetesResource app =
                client.genericKubernetesResources(LocalSparkOperator.CONTEXT)
                        .inNamespace(NS)
                        .withName("items-spark-pivot-20261120-1")
                        .get();
        assertThat(app.<Object>get("status", "applicationState", "state")).isEqualTo("COMPLETED");
        assertThat(
                        client.pods()
                                .inNamespace(NS)
                                .withName("items-spark-pivot-20261120-1-driver")
                                .get()
                                .getStatus()
                                .getContainerStatuses()
                                .get(0)
                                .getState()
                                .getTerminated()
                                .getMessage())
                .contains("\"engine\":\"spark\"");
    }
}
