package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What local mode's Spark operator submits for a SparkApplication (the driver's properties and Pod)
 * and how the kubelet starts Spark's driver and executor pods as processes.
 */
@UnitTier
class SparkSubmissionTest {

    static GenericKubernetesResource application(Map<String, String> sparkConf) {
        GenericKubernetesResource app = new GenericKubernetesResource();
        app.setApiVersion("sparkoperator.k8s.io/v1beta2");
        app.setKind("SparkApplication");
        app.setMetadata(
                new ObjectMetaBuilder()
                        .withName("fv-pivot-20261118-1")
                        .withNamespace("team-a")
                        .withUid("u-1")
                        .build());
        app.setAdditionalProperty(
                "spec",
                Map.of(
                        "image",
                        "mlcycle/pivot-spark:0.1.0",
                        "mainClass",
                        "io.mlcycle.pivot.spark.Main",
                        "mainApplicationFile",
                        "local:///opt/mlcycle/pivot-spark.jar",
                        "sparkConf",
                        sparkConf,
                        "batchScheduler",
                        "volcano",
                        "dynamicAllocation",
                        Map.of("enabled", true, "minExecutors", 1, "maxExecutors", 4),
                        "volumes",
                        List.of(
                                Map.of(
                                        "name",
                                        "data",
                                        "persistentVolumeClaim",
                                        Map.of("claimName", "lake"))),
                        "driver",
                        Map.of(
                                "memory", "2g",
                                "labels", Map.of("mlcycle.io/runtime", "pivot"),
                                "env",
                                        List.of(
                                                Map.of(
                                                        "name", "MLCYCLE_TASK",
                                                        "value", "{}"))),
                        "executor",
                        Map.of(
                                "instances",
                                3,
                                "cores",
                                2,
                                "memory",
                                "3g",
                                "memoryOverhead",
                                "1g",
                                "labels",
                                Map.of("mlcycle.io/featureview", "fv"),
                                "env",
                                List.of(
                                        Map.of("name", "A", "value", "1"),
                                        Map.of(
                                                "name",
                                                "KEY",
                                                "valueFrom",
                                                Map.of(
                                                        "secretKeyRef",
                                                        Map.of("name", "keys", "key", "k")))),
                                "volumeMounts",
                                List.of(
                                        Map.of(
                                                "name", "data",
                                                "mountPath", "/data")))));
        return app;
    }

    static Properties properties(ConfigMap conf) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(conf.getData().get(SparkSubmission.PROPERTIES)));
        return p;
    }

    @Test
    void theDriverPodRunsSparkSubmitWithThePropertiesOfAClusterModeSubmission() throws Exception {
        SparkSubmission.Objects o =
                new SparkSubmission(new KubernetesSerialization())
                        .submit(application(Map.of()), "http://127.0.0.1:4321/");

        Pod driver = o.driver();
        assertThat(driver.getMetadata().getName()).isEqualTo("fv-pivot-20261118-1-driver");
        assertThat(driver.getSpec().getNodeName()).isNull();
        assertThat(driver.getSpec().getSchedulerName()).isEqualTo("volcano");
        assertThat(driver.getMetadata().getLabels())
                .containsEntry("spark-role", "driver")
                .containsEntry("spark-app-selector", o.applicationId())
                .containsEntry(Kubelet.RUNTIME_LABEL, "pivot-spark");
        assertThat(driver.getSpec().getContainers().get(0).getArgs())
                .containsExactly(
                        "driver",
                        "--properties-file",
                        "/opt/spark/conf/spark.properties",
                        "--class",
                        "io.mlcycle.pivot.spark.Main",
                        "local:///opt/mlcycle/pivot-spark.jar");
        assertThat(driver.getSpec().getContainers().get(0).getEnv())
                .anyMatch(
                        e ->
                                e.getName().equals("SPARK_DRIVER_BIND_ADDRESS")
                                        && e.getValueFrom()
                                                .getFieldRef()
                                                .getFieldPath()
                                                .equals("status.podIP"));
        Properties p = properties(o.conf());
        assertThat(p)
                .containsEntry("spark.master", "k8s://http://127.0.0.1:4321")
                .containsEntry("spark.kubernetes.namespace", "team-a")
                .containsEntry("spark.kubernetes.driver.pod.name", "fv-pivot-20261118-1-driver")
                .containsEntry("spark.app.id", o.applicationId())
                .containsEntry("spark.driver.memory", "2g")
                .containsEntry("spark.executor.instances", "3")
                .containsEntry("spark.executor.cores", "2")
                .containsEntry("spark.executor.memory", "3g")
                .containsEntry("spark.executor.memoryOverhead", "1g")
                .containsEntry("spark.dynamicAllocation.enabled", "true")
                .containsEntry("spark.dynamicAllocation.maxExecutors", "4")
                .containsEntry("spark.kubernetes.scheduler.name", "volcano")
                .containsEntry("spark.executorEnv.A", "1")
                .containsEntry("spark.kubernetes.executor.secretKeyRef.KEY", "keys:k")
                .containsEntry("spark.kubernetes.executor.label.mlcycle.io/featureview", "fv")
                .containsEntry(
                        "spark.kubernetes.executor.volumes.persistentVolumeClaim.data.mount.path",
                        "/data")
                .containsEntry(
                        "spark.kubernetes.executor.volumes.persistentVolumeClaim.data.options.claimName",
                        "lake")
                .containsEntry(
                        "spark.kubernetes.executor.label." + Kubelet.RUNTIME_LABEL, "pivot-spark");
    }

    @Test
    void sparkConfWinsAndTheExecutorsRuntimeFollowsTheirImage() throws Exception {
        SparkSubmission.Objects o =
                new SparkSubmission(new KubernetesSerialization())
                        .submit(
                                application(
                                        Map.of(
                                                "spark.executor.instances", "5",
                                                "spark.kubernetes.executor.container.image",
                                                        "local/no-such-runtime")),
                                "http://127.0.0.1:4321");

        Properties p = properties(o.conf());
        assertThat(p)
                .containsEntry("spark.executor.instances", "5")
                .containsEntry(
                        "spark.kubernetes.executor.label." + Kubelet.RUNTIME_LABEL,
                        "no-such-runtime");
        assertThat(SparkSubmission.runtimeOf("registry.io:5000/team/trainer-spark:1.2@sha256:ab"))
                .isEqualTo("trainer-spark");
    }

    @Test
    void driverAndExecutorPodsStartAsTheImagesEntrypointWouldStartThem() {
        List<String> base =
                List.of(
                        "/jdk/bin/java",
                        "--add-opens=x",
                        "-Dspark.master=local[2]",
                        "-jar",
                        "/p/target/pivot-spark.jar");
        List<String> driver =
                SparkProcessCommand.command(
                        base,
                        List.of(
                                "driver",
                                "--properties-file",
                                "/pod/volumes/conf/spark.properties",
                                "--class",
                                "M",
                                "local:///opt/mlcycle/pivot-spark.jar"),
                        Map.of("SPARK_DRIVER_BIND_ADDRESS", "127.0.0.1"),
                        Path.of("/pod/termination-log"));
        assertThat(driver)
                .containsExactly(
                        "/jdk/bin/java",
                        "--add-opens=x",
                        "-cp",
                        "/p/target/pivot-spark.jar",
                        SparkProcessCommand.SUBMIT,
                        "--conf",
                        "spark.driver.bindAddress=127.0.0.1",
                        "--conf",
                        "spark.executorEnv.SPARK_DRIVER_POD_IP=127.0.0.1",
                        "--deploy-mode",
                        "client",
                        "--properties-file",
                        "/pod/volumes/conf/spark.properties",
                        "--class",
                        "M",
                        "local:///p/target/pivot-spark.jar",
                        "--result",
                        "/pod/termination-log");

        List<String> executor =
                SparkProcessCommand.command(
                        base,
                        List.of("executor"),
                        Map.of(
                                "SPARK_DRIVER_URL", "spark://CoarseGrainedScheduler@127.0.0.1:7078",
                                "SPARK_EXECUTOR_ID", "2",
                                "SPARK_EXECUTOR_CORES", "1",
                                "SPARK_EXECUTOR_MEMORY", "1024m",
                                "SPARK_APPLICATION_ID", "spark-1",
                                "SPARK_EXECUTOR_POD_IP", "127.0.0.1",
                                "SPARK_EXECUTOR_POD_NAME", "app-exec-2",
                                "SPARK_JAVA_OPT_1", "-Db=2",
                                "SPARK_JAVA_OPT_0", "-Da=1",
                                "SPARK_CLASSPATH", "/opt/mlcycle/lib/*"),
                        Path.of("/pod/termination-log"));
        assertThat(executor)
                .containsSubsequence(
                        "-Da=1",
                        "-Db=2",
                        "-Xms1024m",
                        "-Xmx1024m",
                        "-cp",
                        "/p/target/pivot-spark.jar:/p/target/lib/*",
                        SparkProcessCommand.EXECUTOR_BACKEND,
                        "--driver-url",
                        "spark://CoarseGrainedScheduler@127.0.0.1:7078",
                        "--executor-id",
                        "2")
                .doesNotContain("--result", "-Dspark.master=local[2]");
    }
}
