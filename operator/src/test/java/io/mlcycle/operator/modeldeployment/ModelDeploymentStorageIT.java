package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.StorageSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.common.ObjectStorage;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveVersionOne;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * spec.storage.s3 of a ModelDeployment on the mock API server: the serving pods get it, a change
 * rolls the Deployment, and a missing credentials Secret leaves the serving Deployment as it was.
 */
@MockApiTier
@QuarkusTest
class ModelDeploymentStorageIT {

    @Inject KubernetesClient client;

    private static String endpoint(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> "MLCYCLE_S3_ENDPOINT".equals(e.getName()))
                .map(EnvVar::getValue)
                .findFirst()
                .orElse(null);
    }

    private void setStorage(String name, String endpoint, String secret) {
        edit(
                client,
                ModelDeployment.class,
                name,
                m -> {
                    m.getSpec().storage = new StorageSpec();
                    m.getSpec().storage.s3 = new StorageSpec.S3();
                    m.getSpec().storage.s3.endpoint = endpoint;
                    if (secret != null) {
                        m.getSpec().storage.s3.credentialsSecret =
                                new StorageSpec.CredentialsSecret();
                        m.getSpec().storage.s3.credentialsSecret.name = secret;
                    }
                    return m;
                });
    }

    @Test
    void servingPodsRollWhenTheStorageChangesAndStayWhenItsSecretIsMissing() {
        ModelDeployment md = deployment("md-storage", "m-storage");
        md.getSpec().storage = new StorageSpec();
        md.getSpec().storage.s3 = new StorageSpec.S3();
        md.getSpec().storage.s3.endpoint = "http://models.team-a:9000";
        serveVersionOne(client, md, Duration.ofSeconds(30));
        assertThat(endpoint(servingDeployment(client, "md-storage")))
                .isEqualTo("http://models.team-a:9000");

        setStorage("md-storage", "http://models.team-b:9000", null);
        await().atMost(TIMEOUT)
                .until(
                        () -> endpoint(servingDeployment(client, "md-storage")),
                        "http://models.team-b:9000"::equals);

        setStorage("md-storage", "http://models.team-c:9000", "md-storage-missing");
        ModelDeployment held =
                awaitCondition(client, ModelDeployment.class, "md-storage", "Degraded", "True");
        assertCondition(held.getStatus(), "Ready", "False", ObjectStorage.CREDENTIALS_MISSING)
                .contains("Secret 'md-storage-missing'")
                .contains("spec.storage.s3.credentialsSecret.name");
        assertThat(held.getStatus().phase).isEqualTo(Phase.Failed);
        // the serving pods are left as they were: no roll to settings that cannot work
        assertThat(endpoint(servingDeployment(client, "md-storage")))
                .isEqualTo("http://models.team-b:9000");
        assertThat(held.getStatus().modelVersion).isEqualTo("m-storage-v1");
    }
}
