package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FeatureView engine spark end to end in local mode, the cluster's way: the real operator creates a
 * SparkApplication, LocalSparkOperator submits it in cluster mode (driver ConfigMap and Pod through
 * the mock API), the kubelet runs the real pivot-spark driver, whose Kubernetes scheduler backend
 * creates executor pods through the same API; the kubelet runs them as processes that connect back
 * to the driver and run the tasks. The table equals the duckdb engine's on the same log; a killed
 * executor is replaced; executors that cannot start fail the run naming the settings, and the last
 * good table stays.
 */
@EndToEndTier
@ExtendWith(OneSparkE2eAtATime.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkEngineE2E {

    static final String NS = "default";

    static Path root;
    static Path work;
    static Path data;
    static LocalCluster cluster;
    static KubernetesClient client;
    static SparkPods executors;

    @BeforeAll
    static void start() {
        root =
                E2eSetup.projectRoot(
                        "operator/target/quarkus-app/quarkus-run.jar",
                        "runtime-images/pivot/target/pivot.jar",
                        "runtime-images/pivot-spark/target/pivot-spark.jar",
                        "examples/generator/target/generator.jar");
        work = root.resolve("local/target/e2e-spark");
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
        executors = new SparkPods(client, work);
        cluster.apply(Path.of(System.getProperty("user.dir"), "src/test/resources/spark-engine"));
    }

    @AfterAll
    static void stop() {
        if (executors != null) {
            executors.close();
        }
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

    static GenericKubernetesResource application(String name) {
        return client.genericKubernetesResources(LocalSparkOperator.CONTEXT)
                .inNamespace(NS)
                .withName(name)
                .get();
    }

    static void awaitLatest(String what, String... views) {
        E2eSetup.awaitState(
                cluster,
                what,
                Duration.ofMinutes(8),
                Duration.ofSeconds(1),
                () -> Stream.of(views).allMatch(v -> latest(v) != null));
    }

    /** Every published file of a table version but stats.json (it holds the seconds), by name. */
    static Map<String, byte[]> tableFiles(Path version) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.list(version)) {
            for (Path f : all.sorted().toList()) {
                String name = f.getFileName().toString();
                if (Files.isRegularFile(f) && !name.equals("stats.json")) {
                    files.put(name, Files.readAllBytes(f));
                }
            }
        }
        return files;
    }

    static void assertSameTable(String sparkView) throws IOException {
        Map<String, Object> duckdb = latest("items-duckdb");
        Map<String, Object> spark = latest(sparkView);
        assertThat(spark.get("engine")).isEqualTo("spark");
        for (String figure : List.of("entities", "features", "nonZeros", "sparsity")) {
            assertThat(spark.get(figure)).as(figure).isNotNull().isEqualTo(duckdb.get(figure));
        }
        Path duckdbTable = data.resolve("features/items-duckdb/asOf=2026-11-20");
        Path sparkTable = data.resolve("features/" + sparkView + "/asOf=2026-11-20");
        assertThat(sparkTable.resolve("_SUCCESS")).exists();
        Map<String, byte[]> expected = tableFiles(duckdbTable);
        Map<String, byte[]> actual = tableFiles(sparkTable);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((name, bytes) -> assertThat(actual.get(name)).as(name).isEqualTo(bytes));
    }

    @Test
    @Order(1)
    void theDriverStartsTwoExecutorPodsThatRunThePivotAndTheTableEqualsDuckDbs() throws Exception {
        awaitLatest("both FeatureViews Ready", "items-duckdb", "items-spark");

        assertSameTable("items-spark");
        assertThat(((Number) latest("items-spark").get("entities")).longValue()).isGreaterThan(50);
        String appName = "items-spark-pivot-20261120-1";
        assertThat(latest("items-spark").get("job")).isEqualTo(appName);
        GenericKubernetesResource app = application(appName);
        assertThat(app.<Object>get("status", "applicationState", "state")).isEqualTo("COMPLETED");
        Pod driver = client.pods().inNamespace(NS).withName(appName + "-driver").get();
        assertThat(
                        driver.getStatus()
                                .getContainerStatuses()
                                .get(0)
                                .getState()
                                .getTerminated()
                                .getMessage())
                .contains("\"engine\":\"spark\"");
        assertThat(driver.getSpec().getContainers().get(0).getArgs())
                .startsWith("driver", "--properties-file");

        String appId = String.valueOf(app.<Object>get("status", "sparkApplicationId"));
        executors.assertRanTasks(appId, appName + "-driver", "tasks ran", "Finished task");
    }

    @Test
    @Order(2)
    void aKilledExecutorIsReplacedByANewPodAndThePivotStillCompletes() throws Exception {
        String view = "items-spark-kill";
        String appName = view + "-pivot-20261120-1";
        client.genericKubernetesResources(ResourceTable.API_VERSION, "FeatureView")
                .inNamespace(NS)
                .resource(sparkView(view, "2026-11-20", Map.of()))
                .create();
        AtomicReference<String> killed = new AtomicReference<>();
        E2eSetup.awaitValue(
                cluster,
                "the first executor of " + appName + " registered with its driver, then killed",
                Duration.ofMinutes(6),
                Duration.ofMillis(100),
                () -> {
                    for (Pod pod : executors.named(appName)) {
                        Path log = executors.log(pod);
                        var process = SparkPods.process(pod.getMetadata().getName());
                        if (process.isPresent()
                                && Files.exists(log)
                                && Files.readString(log)
                                        .contains("Successfully registered with driver")) {
                            process.get().destroyForcibly();
                            killed.set(pod.getMetadata().getName());
                            return true;
                        }
                    }
                    return false;
                },
                Boolean::booleanValue);

        awaitLatest(view + " Ready after its executor was killed", view);

        assertSameTable(view);
        List<Pod> pods = executors.named(appName);
        assertThat(pods)
                .as("the killed executor and its replacement next to the second one")
                .hasSizeGreaterThanOrEqualTo(3);
        Pod dead =
                pods.stream()
                        .filter(p -> p.getMetadata().getName().equals(killed.get()))
                        .findFirst()
                        .orElseThrow();
        E2eSetup.awaitValue(
                cluster,
                "the killed executor's pod Failed with exit code 137",
                Duration.ofSeconds(30),
                Duration.ofMillis(200),
                () ->
                        SparkPods.exitCode(
                                executors.named(appName).stream()
                                        .filter(p -> p.getMetadata().getName().equals(killed.get()))
                                        .findFirst()
                                        .orElse(dead)),
                code -> code != null && code == 137);
    }

    @Test
    @Order(3)
    void executorsThatCannotStartFailTheRunNamingTheSettingAndKeepTheLastGoodTable()
            throws Exception {
        String view = "items-spark-kill";
        awaitLatest(view + " has a good table", view);
        Path good = data.resolve("features/" + view + "/asOf=2026-11-20");
        Map<String, byte[]> before = tableFiles(good);
        client.genericKubernetesResources(ResourceTable.API_VERSION, "FeatureView")
                .inNamespace(NS)
                .withName(view)
                .edit(
                        fv -> {
                            GenericKubernetesResource bad =
                                    sparkView(
                                            view,
                                            "2026-11-21",
                                            Map.of(
                                                    "spark.kubernetes.executor.container.image",
                                                    "local/no-such-runtime"));
                            fv.setAdditionalProperty(
                                    "spec", bad.getAdditionalProperties().get("spec"));
                            return fv;
                        });

        E2eSetup.awaitValue(
                cluster,
                "the run of 2026-11-21 failed naming the executor settings",
                Duration.ofMinutes(6),
                Duration.ofSeconds(1),
                () -> client.getKubernetesSerialization().asJson(featureView(view).get("status")),
                status ->
                        status.contains("ExecutorsFailed")
                                || status.contains("ExecutorsNotStarted"));
        String status = client.getKubernetesSerialization().asJson(featureView(view).get("status"));
        assertThat(status).contains("spark.executor.").contains("spec.spark.executor");
        assertThat(latest(view).get("asOf")).isEqualTo("2026-11-20");
        assertThat(data.resolve("features/" + view + "/asOf=2026-11-21")).doesNotExist();
        Map<String, byte[]> after = tableFiles(good);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
    }

    /** items-spark under another name and store, on {@code asOf}, with extra sparkConf. */
    static GenericKubernetesResource sparkView(
            String name, String asOf, Map<String, String> sparkConf) {
        String yaml =
                "apiVersion: mlcycle.io/v1alpha1\n"
                        + "kind: FeatureView\n"
                        + "metadata:\n"
                        + "  name: "
                        + name
                        + "\n"
                        + "spec:\n"
                        + "  engine: spark\n"
                        + "  entity: user_id\n"
                        + "  source:\n"
                        + "    uri: \"file:///data/raw/item-events/dt={date}/\"\n"
                        + "    format: parquet\n"
                        + "    successMarker: _SUCCESS\n"
                        + "  pivot: {key: event_id, value: cnt, aggregate: sum, minEntities: 5}\n"
                        + "  window: 3d\n"
                        + "  filters:\n"
                        + "    where: \"channel <> 'test'\"\n"
                        + "    excludeEntities: [{uri: \"file:///data/blacklist.csv\", column: user_id}]\n"
                        + "  asOf: \""
                        + asOf
                        + "\"\n"
                        + "  store: {uri: \"file:///data/features/"
                        + name
                        + "/\"}\n"
                        + "  validation: {minEntities: 50}\n"
                        + "  spark:\n"
                        + "    executor: {instances: 2}\n";
        GenericKubernetesResource fv =
                client.getKubernetesSerialization()
                        .unmarshal(yaml, GenericKubernetesResource.class);
        if (!sparkConf.isEmpty()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> spark =
                    (Map<String, Object>)
                            ((Map<String, Object>) fv.getAdditionalProperties().get("spec"))
                                    .get("spark");
            spark.put("sparkConf", sparkConf);
        }
        return fv;
    }
}
