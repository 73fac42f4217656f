package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.precisionAnalysis;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveVersionOne;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static org.assertj.core.api.Assertions.assertThat;

/** The outbound policy as a reconcile meets it: a refused Prometheus is named, serving goes on. */
@MockApiTier
@QuarkusTest
class ModelDeploymentOutboundTest {

    @Inject KubernetesClient client;

    @Test
    void aPrometheusUrlAtTheCloudMetadataAddressIsRefusedNamingFieldAndHostAndServingGoesOn() {
        ModelDeployment md = deployment("md-metadata", "m-metadata");
        md.getSpec().rollback =
                precisionAnalysis("http://user:hunter2@169.254.169.254/latest/meta-data", "2s", 1);
        serveVersionOne(client, md, TIMEOUT);

        ModelDeployment refused =
                awaitCondition(
                        client,
                        ModelDeployment.class,
                        "md-metadata",
                        RollbackAnalysis.OUTBOUND_REFUSED,
                        "True");
        assertCondition(
                        refused.getStatus(),
                        RollbackAnalysis.OUTBOUND_REFUSED,
                        "True",
                        "HostRefused")
                .contains("spec.rollback.prometheus.url")
                .contains("'169.254.169.254'")
                .doesNotContain("hunter2")
                .doesNotContain("meta-data");
        awaitEvent(client, "md-metadata", RollbackAnalysis.OUTBOUND_REFUSED);
        // no round ran: nothing counted against the version, it is still served
        assertThat(refused.getStatus().analysis).isNull();
        assertThat(refused.getStatus().phase).isEqualTo(Phase.Available);
        assertThat(refused.getStatus().rollbacks).isEmpty();
        assertThat(Conditions.find(refused.getStatus().conditions, Conditions.READY))
                .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    }
}
