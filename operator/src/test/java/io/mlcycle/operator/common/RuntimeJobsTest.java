package io.mlcycle.operator.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.testing.Fixtures.operatorConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** What every runtime pod gets from the operator's configuration. */
@UnitTier
public class RuntimeJobsTest {

    @Test
    void s3SettingsReachEveryRuntimePodWithTheKeysOnlyAsSecretReferences() {
        var env =
                new RuntimeJobs(
                                operatorConfig(
                                        Map.of(
                                                "mlcycle.storage.s3.endpoint",
                                                "http://minio.data:9000",
                                                "mlcycle.storage.s3.region",
                                                "eu-west-1",
                                                "mlcycle.storage.s3.credentials-secret",
                                                "lake-keys")))
                        .storageEnv(new io.mlcycle.operator.api.featureview.FeatureView());
        Map<String, io.fabric8.kubernetes.api.model.EnvVar> byName = new java.util.HashMap<>();
        env.forEach(e -> byName.put(e.getName(), e));
        assertThat(byName.get("MLCYCLE_S3_ENDPOINT").getValue())
                .isEqualTo("http://minio.data:9000");
        assertThat(byName.get("MLCYCLE_S3_REGION").getValue()).isEqualTo("eu-west-1");
        assertThat(byName.get("MLCYCLE_S3_CREDENTIALS_SECRET").getValue()).isEqualTo("lake-keys");
        var key = byName.get("AWS_SECRET_ACCESS_KEY");
        assertThat(key.getValue()).isNull();
        assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("lake-keys");
        assertThat(key.getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("AWS_SECRET_ACCESS_KEY");
        // optional: pods without s3:// start without the Secret; the runtime names it when needed
        assertThat(key.getValueFrom().getSecretKeyRef().getOptional()).isTrue();
        assertThat(byName.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("AWS_ACCESS_KEY_ID");

        assertThat(
                        new RuntimeJobs(operatorConfig(Map.of()))
                                .storageEnv(new io.mlcycle.operator.api.trainingrun.TrainingRun()))
                .as("no settings: the pod uses the SDK's default chain, nothing injected")
                .isEmpty();
    }

    @Test
    void everyRuntimePodsTaskCarriesTheOperatorsContractVersion() throws Exception {
        io.mlcycle.task.Task task =
                io.mlcycle.task.TaskJson.readTask(
                        "{\"kind\":\"serve\",\"model\":\"churn\",\"version\":3}");
        var deployment = new io.mlcycle.operator.api.modeldeployment.ModelDeployment();
        deployment.getMetadata().setName("churn");
        var container =
                new RuntimeJobs(operatorConfig(Map.of()))
                        .podTemplate(deployment, RuntimeJobs.Runtime.server, task, List.of(), null)
                        .getSpec()
                        .getContainers()
                        .get(0);
        String json =
                container.getEnv().stream()
                        .filter(e -> e.getName().equals(io.mlcycle.task.TaskJson.TASK_ENV))
                        .findFirst()
                        .orElseThrow()
                        .getValue();

        assertThat(io.mlcycle.task.TaskJson.MAPPER.readTree(json).path("contractVersion").asInt())
                .isEqualTo(io.mlcycle.task.TaskJson.CONTRACT_VERSION);
    }

    @Test
    void theScratchVolumeIsBoundedAndPodsStageAtMostFourFifthsOfIt() {
        RuntimeJobs jobs =
                new RuntimeJobs(
                        operatorConfig(Map.of("mlcycle.runtime.scratch-size-limit", "5Gi")));
        assertThat(jobs.volumes().volumes())
                .filteredOn(v -> v.getEmptyDir() != null)
                .singleElement()
                .satisfies(
                        v ->
                                assertThat(v.getEmptyDir().getSizeLimit())
                                        .isEqualTo(
                                                new io.fabric8.kubernetes.api.model.Quantity(
                                                        "5Gi")));
        assertThat(jobs.stageMaxBytes()).isEqualTo(4L << 30);
        assertThat(new RuntimeJobs(operatorConfig(Map.of())).stageMaxBytes()).isEqualTo(16L << 30);

        RuntimeJobs bad =
                new RuntimeJobs(
                        operatorConfig(Map.of("mlcycle.runtime.scratch-size-limit", "lots")));
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::volumes)
                .hasMessageContaining("mlcycle.runtime.scratch-size-limit")
                .hasMessageContaining("lots");
    }
}
