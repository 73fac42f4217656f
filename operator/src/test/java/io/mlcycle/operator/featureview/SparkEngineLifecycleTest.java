package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.operator.testing.SparkOperator;
import io.mlcycle.operator.testing.Trees;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.assertControlledBy;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitPhase;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.conditionIs;
import static io.mlcycle.operator.testing.Cluster.edit;
import static io.mlcycle.operator.testing.Cluster.events;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static io.mlcycle.operator.testing.Fixtures.featureView;
import static io.mlcycle.operator.testing.Fixtures.pivotSucceeded;
import static org.assertj.core.api.Assertions.assertThat;

/** FeatureViews with engine spark against the mock API server, the Spark Operator simulated. */
@MockApiTier
@QuarkusTest
class SparkEngineLifecycleTest {

    @Inject KubernetesClient client;
    @Inject RuntimeJobs runtimeJobs;

    private SparkOperator sparkOperator;

    @BeforeEach
    void playTheSparkOperator() {
        sparkOperator = new SparkOperator(client);
    }

    /** Creates a spark-engine view as of 2026-11-18 and returns its first SparkApplication. */
    private String startApplication(String view) {
        client.resource(Fixtures.sparkView(view)).create();
        String name = view + "-pivot-20261118-1";
        sparkOperator.awaitApplication(name);
        return name;
    }

    @Test
    void engineSparkCreatesAnOwnedSparkApplicationCarryingTheJobsTask() {
        FeatureView fv = Fixtures.sparkView("fvs-spec");
        SparkSpec spark = new SparkSpec();
        spark.driver = new SparkSpec.Driver();
        spark.driver.cores = 2;
        spark.driver.memory = "2g";
        spark.executor = new SparkSpec.Executor();
        spark.executor.instances = 3;
        spark.executor.cores = 2;
        spark.executor.memory = "3g";
        spark.sparkConf = Map.of("spark.sql.shuffle.partitions", "8");
        fv.getSpec().spark = spark;
        fv.getSpec().pod = new io.mlcycle.operator.api.PodOverrides();
        fv.getSpec().pod.nodeSelector = Map.of("pool", "spark");
        fv.getSpec().pod.labels = Map.of("team", "data");
        fv.getSpec().pod.imagePullSecrets =
                List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference("registry"));
        FeatureView created = client.resource(fv).create();

        GenericKubernetesResource app = sparkOperator.awaitApplication("fvs-spec-pivot-20261118-1");
        assertThat(app.getApiVersion()).isEqualTo("sparkoperator.k8s.io/v1beta2");
        assertThat(app.getKind()).isEqualTo("SparkApplication");
        assertControlledBy(app, created);
        assertThat(app.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "mlcycle")
                .containsEntry("mlcycle.io/runtime", "pivot")
                .containsEntry("mlcycle.io/engine", "spark")
                .containsEntry("mlcycle.io/featureview", "fvs-spec")
                .containsEntry("mlcycle.io/as-of", "2026-11-18")
                .containsEntry("mlcycle.io/attempt", "1");
        assertThat(app.getMetadata().getAnnotations()).containsKey("mlcycle.io/trigger");

        Map<String, Object> spec = Trees.at(app.getAdditionalProperties(), "spec");
        assertThat(spec)
                .containsEntry("type", "Java")
                .containsEntry("mode", "cluster")
                .containsEntry("mainClass", "io.mlcycle.pivot.spark.Main")
                .containsEntry("mainApplicationFile", "local:///opt/mlcycle/pivot-spark.jar")
                .containsEntry("image", "mlcycle/pivot-spark:0.1.0")
                .containsEntry("sparkVersion", "3.5.6")
                .containsEntry("restartPolicy", Map.of("type", "Never"));
        assertThat((Map<String, Object>) Trees.at(spec, "sparkConf"))
                .containsEntry("spark.sql.shuffle.partitions", "8")
                .containsEntry("spark.driver.extraClassPath", "/opt/mlcycle/lib/*")
                .containsEntry("spark.executor.extraClassPath", "/opt/mlcycle/lib/*");
        assertThat((Map<String, Object>) Trees.at(spec, "driver"))
                .containsEntry("cores", 2)
                .containsEntry("memory", "2g")
                .containsEntry("serviceAccount", "mlcycle-spark");
        // spec.pod reaches the driver and executor pods
        assertThat((Map<String, Object>) Trees.at(spec, "driver", "nodeSelector"))
                .containsEntry("pool", "spark");
        assertThat((Map<String, Object>) Trees.at(spec, "executor", "nodeSelector"))
                .containsEntry("pool", "spark");
        assertThat((Map<String, Object>) Trees.at(spec, "executor", "labels"))
                .containsEntry("team", "data")
                .containsEntry("mlcycle.io/featureview", "fvs-spec");
        assertThat((List<Object>) Trees.at(spec, "imagePullSecrets")).containsExactly("registry");
        assertThat((Map<String, Object>) Trees.at(spec, "executor"))
                .containsEntry("instances", 3)
                .containsEntry("cores", 2)
                .containsEntry("memory", "3g")
                .containsEntry("serviceAccount", "mlcycle-runtime");

        // The driver gets the very task JSON a pivot Job's pod would get.
        List<Map<String, Object>> env = Trees.at(spec, "driver", "env");
        String expectedTask =
                runtimeJobs
                        .job(
                                created,
                                "same",
                                RuntimeJobs.Runtime.pivot,
                                PivotTasks.task(created, LocalDate.parse("2026-11-18")),
                                1,
                                "2h",
                                "spec.activeDeadline",
                                List.of(),
                                null)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getEnv()
                        .get(0)
                        .getValue();
        assertThat(env)
                .filteredOn(e -> TaskJson.TASK_ENV.equals(e.get("name")))
                .singleElement()
                .satisfies(e -> assertThat(e.get("value")).isEqualTo(expectedTask));

        // Volumes as in a pivot Job's pod: the data claim and a scratch /tmp.
        List<Map<String, Object>> volumes = Trees.at(spec, "volumes");
        assertThat(volumes)
                .anySatisfy(
                        v ->
                                assertThat(
                                                (Object)
                                                        Trees.at(
                                                                v,
                                                                "persistentVolumeClaim",
                                                                "claimName"))
                                        .isEqualTo("mlcycle-data"))
                .anySatisfy(v -> assertThat(v).containsKey("emptyDir"));
        for (String pod : List.of("driver", "executor")) {
            List<Map<String, Object>> mounts = Trees.at(spec, pod, "volumeMounts");
            assertThat(mounts)
                    .extracting(m -> m.get("mountPath"))
                    .as(pod)
                    .containsExactly("/data", "/tmp");
        }
        // Object storage as in a pivot Job's pod (here the operator's: spec.storage.s3 is unset).
        for (String pod : List.of("driver", "executor")) {
            List<Map<String, Object>> podEnv = Trees.at(spec, pod, "env");
            assertThat(podEnv)
                    .as(pod)
                    .anySatisfy(
                            e ->
                                    assertThat(e)
                                            .containsEntry("name", "MLCYCLE_S3_ENDPOINT")
                                            .containsEntry(
                                                    "value", "http://operator-wide.s3:9000"));
        }
        assertThat(jobs(client, "mlcycle.io/featureview", "fvs-spec")).isEmpty();

        FeatureView running = awaitPhase(client, "fvs-spec", FeatureViewStatus.Phase.Materializing);
        assertThat(running.getStatus().active)
                .singleElement()
                .satisfies(
                        a -> {
                            assertThat(a.job).isEqualTo("fvs-spec-pivot-20261118-1");
                            assertThat(a.engine).isEqualTo("spark");
                        });
        assertThat(conditionIs(running.getStatus(), "Progressing", "True")).isTrue();
        awaitEvent(client, "fvs-spec", "MaterializationStarted");
    }

    @Test
    void completedApplicationMakesTheViewReadyWithTheDriversFigures() {
        String name = startApplication("fvs-ready");
        sparkOperator.run(name);
        awaitResource(
                client,
                FeatureView.class,
                "fvs-ready",
                f ->
                        f.getStatus() != null
                                && f.getStatus().phase == FeatureViewStatus.Phase.Materializing
                                && conditionIs(f.getStatus(), "Progressing", "True"));

        sparkOperator.finish(
                name,
                pivotSucceeded("file:///data/features/fvs-ready/asOf=2026-11-18/", 250000, 4800));

        FeatureView ready = awaitPhase(client, "fvs-ready", FeatureViewStatus.Phase.Ready);
        FeatureViewStatus status = ready.getStatus();
        assertThat(status.active).isEmpty();
        assertThat(status.latest.asOf).isEqualTo("2026-11-18");
        assertThat(status.latest.job).isEqualTo(name);
        assertThat(status.latest.engine).isEqualTo("spark");
        assertThat(status.latest.entities).isEqualTo(250000L);
        assertThat(status.latest.features).isEqualTo(4800L);
        assertThat(status.latest.sparsity).isEqualTo(0.99);
        assertThat(status.latest.uri).isEqualTo("file:///data/features/fvs-ready/asOf=2026-11-18/");
        assertThat(conditionIs(status, "Ready", "True")).isTrue();
        assertThat(conditionIs(status, "Progressing", "False")).isTrue();
        assertThat(conditionIs(status, "Degraded", "False")).isTrue();
        awaitEvent(client, "fvs-ready", "Materialized");
        assertThat(events(client, "fvs-ready"))
                .filteredOn(e -> "Materialized".equals(e.getReason()))
                .singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("(SparkApplication " + name));
    }

    @Test
    void anIcebergViewOnSparkIsNotRefusedAndItsDriverCommitsWithTheCatalogSecret() {
        client.resource(Fixtures.icebergSparkView("fvs-iceberg")).create();
        String name = "fvs-iceberg-pivot-20261118-1";

        GenericKubernetesResource app = sparkOperator.awaitApplication(name);
        List<Map<String, Object>> env =
                Trees.at(app.getAdditionalProperties(), "spec", "driver", "env");
        assertThat(((PivotTask) SparkOperator.driverTask(app)).store().iceberg()).isTrue();
        assertThat(env)
                .filteredOn(e -> PodEnv.CATALOG_PASSWORD.equals(e.get("name")))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(
                                                (Object)
                                                        Trees.at(
                                                                e,
                                                                "valueFrom",
                                                                "secretKeyRef",
                                                                "name"))
                                        .isEqualTo("lake-catalog"));
        String uri =
                "file:///data/features/fvs-iceberg/features/fvs-iceberg/data/asOf=2026-11-18/r/";
        sparkOperator.finish(name, pivotSucceeded(uri, 100, 20));

        FeatureView ready = awaitPhase(client, "fvs-iceberg", FeatureViewStatus.Phase.Ready);
        assertThat(ready.getStatus().latest.uri).isEqualTo(uri);
        assertThat(ready.getStatus().latest.engine).isEqualTo("spark");
    }

    @Test
    void failedApplicationWithAValidationSummaryIsValidationFailed() {
        String name = startApplication("fvs-invalid-table");
        sparkOperator.finish(
                name,
                Summary.failure(
                        Summary.Outcome.ValidationFailed,
                        "TooFewEntities",
                        "3 entities, validation.minEntities is 10"));

        FeatureView failed =
                awaitCondition(
                        client, FeatureView.class, "fvs-invalid-table", "ValidationFailed", "True");
        assertCondition(failed.getStatus(), "ValidationFailed", "True", "TooFewEntities")
                .contains("minEntities");
        assertThat(failed.getStatus().latest).isNull();
        assertThat(failed.getStatus().history.get(0).outcome).isEqualTo("ValidationFailed");
        awaitEvent(client, "fvs-invalid-table", "ValidationFailed");
    }

    @Test
    void submissionFailureFailsTheViewWithTheSparkOperatorsMessage() {
        String name = startApplication("fvs-nosubmit");
        sparkOperator.submissionFailed(
                name, "failed to run spark-submit: serviceaccount \"mlcycle-spark\" not found");

        FeatureView failed = awaitPhase(client, "fvs-nosubmit", FeatureViewStatus.Phase.Failed);
        assertCondition(failed.getStatus(), "Degraded", "True", "SubmissionFailed")
                .contains("SUBMISSION_FAILED")
                .contains("serviceaccount \"mlcycle-spark\" not found");
        assertThat(failed.getStatus().history.get(0).outcome).isEqualTo("Failed");
        awaitEvent(client, "fvs-nosubmit", "MaterializationFailed");
    }

    @Test
    void failedApplicationWithoutADriverSummaryCarriesTheErrorMessage() {
        String name = startApplication("fvs-oom");
        sparkOperator.state(name, "FAILED", "driver pod OOMKilled", null);

        FeatureView failed =
                awaitCondition(client, FeatureView.class, "fvs-oom", "Degraded", "True");
        assertCondition(failed.getStatus(), "Degraded", "True", "SparkFailed")
                .contains("driver pod OOMKilled");
    }

    @Test
    void switchingTheEngineKeepsFollowingTheRunningJobAndStartsASparkApplication() {
        FeatureView fv = featureView("fvs-switch", "2026-11-17");
        client.resource(fv).create();
        Job job = awaitJob(client, "fvs-switch-pivot-20261117-1");

        edit(
                client,
                FeatureView.class,
                "fvs-switch",
                f -> {
                    f.getSpec().engine = FeatureViewSpec.Engine.spark;
                    f.getSpec().asOf = "2026-11-18";
                    return f;
                });
        String app = "fvs-switch-pivot-20261118-1";
        sparkOperator.awaitApplication(app);
        awaitResource(
                client,
                FeatureView.class,
                "fvs-switch",
                f -> f.getStatus() != null && f.getStatus().active.size() == 2);

        new Kubelet(client)
                .finish(
                        job,
                        pivotSucceeded(
                                "file:///data/features/fvs-switch/asOf=2026-11-17/", 100, 10));
        FeatureView afterJob =
                awaitResource(
                        client, FeatureView.class, "fvs-switch", f -> f.getStatus().latest != null);
        assertThat(afterJob.getStatus().latest.engine).isEqualTo("duckdb");
        assertThat(afterJob.getStatus().active)
                .singleElement()
                .satisfies(a -> assertThat(a.engine).isEqualTo("spark"));

        sparkOperator.finish(
                app, pivotSucceeded("file:///data/features/fvs-switch/asOf=2026-11-18/", 120, 11));
        FeatureView done =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fvs-switch",
                        f ->
                                f.getStatus().phase == FeatureViewStatus.Phase.Ready
                                        && "2026-11-18".equals(f.getStatus().latest.asOf));
        assertThat(done.getStatus().latest.engine).isEqualTo("spark");
        assertThat(done.getStatus().history)
                .extracting(h -> h.job + " " + h.engine)
                .containsExactly(app + " spark", "fvs-switch-pivot-20261117-1 duckdb");
        assertThat(jobs(client, "mlcycle.io/featureview", "fvs-switch")).hasSize(1);
    }
}
