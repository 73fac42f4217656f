package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
class LocalSparkOperatorTest {

    @TempDir static Path work;

    static MockApi api;
    static KubernetesClient client;
    static Kubelet kubelet;
    static LocalSparkOperator sparkOperator;
    static final List<String> runtimes = new ArrayList<>();

    @BeforeAll
    static void start() {
        api = MockApi.start();
        client = api.client();
        List<String> fake = FakeRuntime.command();
        kubelet =
                new Kubelet(
                                client,
                                runtime -> {
                                    runtimes.add(runtime);
                                    return fake;
                                },
                                work.resolve("data"),
                                work,
                                s -> {})
                        .start();
        sparkOperator = new LocalSparkOperator(client, kubelet, s -> {}).start();
    }

    @AfterAll
    static void stop() {
        sparkOperator.close();
        kubelet.close();
        api.close();
    }

    /** A SparkApplication shaped as the operator creates it. */
    static GenericKubernetesResource application(String name, String exitCode) {
        GenericKubernetesResource app = new GenericKubernetesResource();
        app.setApiVersion("sparkoperator.k8s.io/v1beta2");
        app.setKind("SparkApplication");
        app.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
        app.setAdditionalProperty(
                "spec",
                Map.of(
                        "type",
                        "Java",
                        "mode",
                        "cluster",
                        "image",
                        "local/pivot-spark",
                        "mainClass",
                        "io.mlcycle.pivot.spark.Main",
                        "volumes",
                        List.of(Map.of("name", "scratch", "emptyDir", Map.of())),
                        "driver",
                        Map.of(
                                "labels",
                                Map.of(
                                        "mlcycle.io/runtime", "pivot",
                                        "mlcycle.io/featureview", "fv"),
                                "env",
                                List.of(
                                        Map.of(
                                                "name",
                                                "MLCYCLE_TASK",
                                                "value",
                                                "{\"kind\":\"pivot\"}"),
                                        Map.of("name", "EXIT_CODE", "value", exitCode)),
                                "volumeMounts",
                                List.of(Map.of("name", "scratch", "mountPath", "/tmp"))),
                        "sparkConf",
                        Map.of(
                                "spark.sql.shuffle.partitions", "3",
                                "spark.driver.extraClassPath", "/opt/mlcycle/lib/*"),
                        "executor",
                        Map.of("instances", 2)));
        return client.genericKubernetesResources(LocalSparkOperator.CONTEXT)
                .inNamespace("default")
                .resource(app)
                .create();
    }

    static GenericKubernetesResource awaitState(String name, String state) {
        return await().atMost(Duration.ofSeconds(60))
                .until(
                        () ->
                                client.genericKubernetesResources(LocalSparkOperator.CONTEXT)
                                        .inNamespace("default")
                                        .withName(name)
                                        .get(),
                        a -> state.equals(a.get("status", "applicationState", "state")));
    }

    static Pod driverOf(String application) {
        return client.pods().inNamespace("default").withName(application + "-driver").get();
    }

    @Test
    void theDriverRunsAsAPivotSparkProcessAndTheApplicationCompletes() {
        application("fv-pivot-20261118-1", "0");

        GenericKubernetesResource done = awaitState("fv-pivot-20261118-1", "COMPLETED");

        assertThat(done.<Object>get("status", "driverInfo", "podName"))
                .isEqualTo("fv-pivot-20261118-1-driver");
        Pod driver = driverOf("fv-pivot-20261118-1");
        assertThat(driver.getMetadata().getLabels())
                .containsEntry("spark-role", "driver")
                .containsEntry("mlcycle.io/featureview", "fv");
        assertThat(driver.getMetadata().getOwnerReferences().get(0).getKind())
                .isEqualTo("SparkApplication");
        var status = driver.getStatus().getContainerStatuses().get(0);
        assertThat(status.getName()).isEqualTo("spark-kubernetes-driver");
        assertThat(status.getState().getTerminated().getExitCode()).isZero();
        assertThat(status.getState().getTerminated().getMessage())
                .contains("\"outcome\":\"Succeeded\"")
                .contains("partitions=3")
                .contains("task={'kind':'pivot'}");
        assertThat(runtimes).contains(LocalSparkOperator.RUNTIME);
    }

    @Test
    void aFailingDriverFailsTheApplicationWithItsExitCodeAndKeepsItsMessage() {
        application("bad-pivot-20261118-1", "4");

        GenericKubernetesResource failed = awaitState("bad-pivot-20261118-1", "FAILED");

        assertThat(failed.<Object>get("status", "applicationState", "errorMessage"))
                .isEqualTo("driver container failed with exit code 4");
        var terminated =
                driverOf("bad-pivot-20261118-1")
                        .getStatus()
                        .getContainerStatuses()
                        .get(0)
                        .getState()
                        .getTerminated();
        assertThat(terminated.getExitCode()).isEqualTo(4);
        assertThat(terminated.getMessage()).contains("\"outcome\":\"Failed\"");
    }
}
