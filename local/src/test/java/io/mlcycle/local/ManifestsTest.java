package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@MockApiTier
class ManifestsTest {

    @Test
    void theQuickstartAppliesToTheMockApiAndItsPrometheusUrlFollowsTheLocalPort() {
        Path root = Path.of(System.getProperty("mlcycle.project.root"));
        try (MockApi api = MockApi.start()) {
            api.createCrds(root.resolve("crds"));
            List<HasMetadata> items =
                    Manifests.load(
                            api.client(), Manifests.files(root.resolve("examples/quickstart")));
            assertThat(items)
                    .extracting(HasMetadata::getKind)
                    .containsExactly(
                            "FeatureView", "FeatureView", "TrainingRun", "ModelDeployment");
            Manifests.retargetPrometheus(
                    items, LocalCluster.DEFAULT_PROMETHEUS_URL, "http://127.0.0.1:1234");
            assertThat(Manifests.apply(api.client(), items, "default")).hasSize(4);
            GenericKubernetesResource md =
                    api.client()
                            .genericKubernetesResources(
                                    ResourceTable.API_VERSION, "ModelDeployment")
                            .inNamespace("default")
                            .withName("return-predictor")
                            .get();
            assertThat(ResourceTable.get(md, "spec", "rollback", "prometheus", "url"))
                    .isEqualTo("http://127.0.0.1:1234");
        }
    }
}
