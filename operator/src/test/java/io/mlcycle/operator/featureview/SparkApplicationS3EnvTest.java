package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Trees;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The S3 settings reach a SparkApplication's driver and executors as they reach a pivot pod. */
@UnitTier
class SparkApplicationS3EnvTest {

    @Test
    void driverAndExecutorsGetTheS3SettingsWithTheKeysOnlyAsSecretReferences() {
        OperatorConfig config =
                Fixtures.operatorConfig(
                        Map.of(
                                "mlcycle.storage.s3.endpoint", "http://minio.data:9000",
                                "mlcycle.storage.s3.path-style", "true",
                                "mlcycle.storage.s3.credentials-secret", "lake-keys"));
        RuntimeJobs jobs = new RuntimeJobs(config);
        FeatureView fv = Fixtures.sparkView("fv-s3");
        fv.getSpec().source.uri = "s3://lake/events/dt={date}/";
        fv.getSpec().store.uri = "s3://lake/features/fv-s3/";
        GenericKubernetesResource app;
        // serialization only: the client never connects
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            app =
                    new SparkApplications(config, client, jobs)
                            .application(
                                    fv,
                                    "fv-s3-pivot-20261118-1",
                                    PivotTasks.task(fv, LocalDate.parse("2026-11-18")));
        }
        List<EnvVar> expected = jobs.storageEnv(fv);
        assertThat(expected).extracting(EnvVar::getName).contains("MLCYCLE_S3_ENDPOINT");
        for (String pod : List.of("driver", "executor")) {
            List<?> env = Trees.at(app.getAdditionalProperties().get("spec"), pod, "env");
            for (EnvVar e : expected) {
                assertThat(env).as(pod).anySatisfy(v -> assertThat(asEnv(v)).isEqualTo(e));
            }
            assertThat(env.toString()).as(pod).doesNotContain("secretAccessKey=");
        }
    }

    private static EnvVar asEnv(Object v) {
        return v instanceof EnvVar e
                ? e
                : io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                        io.fabric8.kubernetes.client.utils.Serialization.asJson(v), EnvVar.class);
    }
}
