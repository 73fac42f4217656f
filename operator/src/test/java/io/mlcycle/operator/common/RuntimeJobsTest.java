package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RuntimeJobsTest {

    @Test
    void terminationMessageIsParsedAsSummary() {
        String json =
                TaskJson.writeSummary(
                        Summary.succeeded("file:///x/", Map.of("entities", 3.0), null));
        Summary s =
                RuntimeJobs.summaryOf(
                        new ContainerStateTerminatedBuilder()
                                .withExitCode(0)
                                .withMessage(json)
                                .build());
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).isEqualTo("file:///x/");
        assertThat(s.figures()).containsEntry("entities", 3.0);
    }

    @Test
    void logTailWithoutSummaryKeepsExitCodeOutcomeAndText() {
        Summary s =
                RuntimeJobs.summaryOf(
                        new ContainerStateTerminatedBuilder()
                                .withExitCode(2)
                                .withReason("Error")
                                .withMessage("Exception in thread main: bad task")
                                .build());
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Invalid);
        assertThat(s.reason()).isEqualTo("Error");
        assertThat(s.message()).contains("bad task");
        Summary oom =
                RuntimeJobs.summaryOf(
                        new ContainerStateTerminatedBuilder()
                                .withExitCode(137)
                                .withReason("OOMKilled")
                                .build());
        assertThat(oom.outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(oom.reason()).isEqualTo("OOMKilled");
        assertThat(oom.message()).contains("137");
    }

    @Test
    void jobStateFollowsItsConditions() {
        var running = new JobBuilder().withNewMetadata().withName("j").endMetadata().build();
        assertThat(RuntimeJobs.state(running)).isEqualTo(RuntimeJobs.State.Running);
        var done =
                new JobBuilder(running)
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Complete")
                        .withStatus("True")
                        .endCondition()
                        .endStatus()
                        .build();
        assertThat(RuntimeJobs.state(done)).isEqualTo(RuntimeJobs.State.Succeeded);
        var failed =
                new JobBuilder(running)
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason("BackoffLimitExceeded")
                        .endCondition()
                        .endStatus()
                        .build();
        assertThat(RuntimeJobs.state(failed)).isEqualTo(RuntimeJobs.State.Failed);
    }

    private static OperatorConfig config(Map<String, String> extra) {
        Map<String, String> props = new java.util.HashMap<>(extra);
        props.put("mlcycle.images.pivot", "p");
        props.put("mlcycle.images.trainer", "t");
        props.put("mlcycle.images.server", "s");
        return new io.smallrye.config.SmallRyeConfigBuilder()
                .withMapping(OperatorConfig.class)
                .withSources(new io.smallrye.config.PropertiesConfigSource(props, "test", 500))
                .build()
                .getConfigMapping(OperatorConfig.class);
    }

    @Test
    void s3SettingsReachEveryRuntimePodWithTheKeysOnlyAsSecretReferences() {
        var env =
                new RuntimeJobs(
                                config(
                                        Map.of(
                                                "mlcycle.storage.s3.endpoint",
                                                "http://minio.data:9000",
                                                "mlcycle.storage.s3.region",
                                                "eu-west-1",
                                                "mlcycle.storage.s3.credentials-secret",
                                                "lake-keys")),
                                null)
                        .storageEnv();
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
        assertThat(byName.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("AWS_ACCESS_KEY_ID");

        assertThat(new RuntimeJobs(config(Map.of()), null).storageEnv())
                .as("no settings: the pod uses the SDK's default chain, nothing injected")
                .isEmpty();
    }
}
