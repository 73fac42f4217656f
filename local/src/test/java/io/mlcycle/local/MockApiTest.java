package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@MockApiTier
class MockApiTest {

    @Test
    void serverSideApplyCreatesThenMergesAndAppliesStatusOfCustomResources() {
        try (MockApi api = MockApi.start()) {
            KubernetesClient client = api.client();
            var cm =
                    new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("c")
                            .withNamespace("default")
                            .endMetadata()
                            .withData(Map.of("a", "1"))
                            .build();
            client.resource(cm).fieldManager("test").forceConflicts().serverSideApply();
            cm.setData(Map.of("a", "2"));
            client.resource(cm).fieldManager("test").forceConflicts().serverSideApply();
            assertThat(client.configMaps().inNamespace("default").withName("c").get().getData())
                    .containsEntry("a", "2");

            api.createCrds(Path.of(System.getProperty("mlcycle.project.root"), "crds"));
            GenericKubernetesResource fv = featureView();
            client.resource(fv).create();
            fv.setAdditionalProperty("status", Map.of("phase", "Ready"));
            GenericKubernetesResource stored = applyStatus(client, fv);

            assertThat(ResourceTable.get(stored, "status", "phase")).isEqualTo("Ready");
            assertThat(ResourceTable.get(stored, "spec", "entity")).isEqualTo("user_id");
        }
    }

    @Test
    void aStaleLeaseUpdateIsRefusedWith409AsTheApiServerDoes() {
        try (MockApi api = MockApi.start()) {
            KubernetesClient client = api.client();
            var lease =
                    new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                            .withNewMetadata()
                            .withName("mlcycle-operator-lease")
                            .withNamespace("default")
                            .endMetadata()
                            .withNewSpec()
                            .withHolderIdentity("a")
                            .endSpec()
                            .build();
            var created = client.resource(lease).create();
            var stale = client.resource(created).get();
            created.getSpec().setHolderIdentity("b");
            var renewed = client.resource(created).update();
            assertThat(renewed.getMetadata().getResourceVersion())
                    .isNotEqualTo(stale.getMetadata().getResourceVersion());

            stale.getSpec().setHolderIdentity("c");
            assertThatThrownBy(() -> client.resource(stale).update())
                    .isInstanceOfSatisfying(
                            KubernetesClientException.class,
                            e -> assertThat(e.getCode()).isEqualTo(409));
            assertThat(
                            client.leases()
                                    .inNamespace("default")
                                    .withName("mlcycle-operator-lease")
                                    .get()
                                    .getSpec()
                                    .getHolderIdentity())
                    .isEqualTo("b");
        }
    }

    @Test
    void aSelfSubjectRulesReviewAnswersThatLocalModeAllowsEverything() {
        try (MockApi api = MockApi.start()) {
            var review =
                    api.client()
                            .resource(
                                    new io.fabric8.kubernetes.api.model.authorization.v1
                                                    .SelfSubjectRulesReviewBuilder()
                                            .withNewSpec()
                                            .withNamespace("default")
                                            .endSpec()
                                            .build())
                            .create();

            assertThat(review.getStatus().getResourceRules())
                    .anySatisfy(
                            r -> {
                                assertThat(r.getApiGroups()).containsExactly("*");
                                assertThat(r.getResources()).containsExactly("*");
                                assertThat(r.getVerbs()).containsExactly("*");
                            });
        }
    }

    @Test
    void refusedWritesAnswer503UntilAcceptedAgainAndReadsStillWork() {
        try (MockApi api = MockApi.start();
                // no client-side retries of the 503
                KubernetesClient client =
                        new KubernetesClientBuilder()
                                .withConfig(
                                        new ConfigBuilder(api.clientConfig())
                                                .withRequestRetryBackoffLimit(0)
                                                .build())
                                .build()) {
            var cm =
                    new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("refused")
                            .withNamespace("default")
                            .endMetadata()
                            .withData(Map.of("a", "1"))
                            .build();
            client.resource(cm).create();
            api.refuseWrites(
                    (method, path) -> method.equals("PUT") && path.endsWith("/configmaps/refused"));

            cm.setData(Map.of("a", "2"));
            assertThatThrownBy(() -> client.resource(cm).update())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(
                            e ->
                                    assertThat(((KubernetesClientException) e).getCode())
                                            .isEqualTo(503));
            var stored = client.configMaps().inNamespace("default").withName("refused");
            assertThat(stored.get().getData()).containsEntry("a", "1");

            api.acceptAllWrites();
            client.resource(cm).update();
            assertThat(stored.get().getData()).containsEntry("a", "2");
        }
    }

    @Test
    void appliedStatusListsReplaceTheStoredListsAndMayShrink() {
        try (MockApi api = MockApi.start()) {
            KubernetesClient client = api.client();
            api.createCrds(Path.of(System.getProperty("mlcycle.project.root"), "crds"));
            GenericKubernetesResource fv = featureView();
            client.resource(fv).create();

            for (List<Map<String, String>> active :
                    List.of(
                            List.of(Map.of("job", "a")),
                            List.of(Map.of("job", "b")),
                            List.<Map<String, String>>of())) {
                fv.setAdditionalProperty("status", Map.of("phase", "Ready", "active", active));
                GenericKubernetesResource stored = applyStatus(client, fv);
                assertThat(ResourceTable.get(stored, "status", "active")).isEqualTo(active);
                assertThat(ResourceTable.get(stored, "spec", "entity")).isEqualTo("user_id");
            }
        }
    }

    @Test
    void appliedStatusDropsTheFieldsItLeavesOut() {
        try (MockApi api = MockApi.start()) {
            KubernetesClient client = api.client();
            api.createCrds(Path.of(System.getProperty("mlcycle.project.root"), "crds"));
            GenericKubernetesResource fv = featureView();
            client.resource(fv).create();
            fv.setAdditionalProperty(
                    "status", Map.of("phase", "Materializing", "latest", Map.of("job", "a")));
            applyStatus(client, fv);

            fv.setAdditionalProperty("status", Map.of("phase", "Ready"));
            GenericKubernetesResource stored = applyStatus(client, fv);

            assertThat(ResourceTable.get(stored, "status", "phase")).isEqualTo("Ready");
            assertThat(ResourceTable.get(stored, "status", "latest")).isNull();
            assertThat(ResourceTable.get(stored, "spec", "entity")).isEqualTo("user_id");
        }
    }

    @Test
    void mergePatchFollowsRfc7386() {
        var merged =
                ApplyingCrudDispatcher.mergePatch(
                        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                                "{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":1}",
                                com.fasterxml.jackson.databind.JsonNode.class),
                        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                                "{\"a\":{\"c\":[3]},\"d\":null,\"e\":\"x\"}",
                                com.fasterxml.jackson.databind.JsonNode.class));
        assertThat(merged.toString()).isEqualTo("{\"a\":{\"b\":1,\"c\":[3]},\"e\":\"x\"}");
    }

    private static GenericKubernetesResource featureView() {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("mlcycle.io/v1alpha1")
                .withKind("FeatureView")
                .withNewMetadata()
                .withName("fv")
                .withNamespace("default")
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("entity", "user_id")))
                .build();
    }

    /** Applies {@code fv}'s status the way a production operator build does, and reads it back. */
    private static GenericKubernetesResource applyStatus(
            KubernetesClient client, GenericKubernetesResource fv) {
        var resources =
                client.genericKubernetesResources("mlcycle.io/v1alpha1", "FeatureView")
                        .inNamespace("default");
        resources
                .resource(fv)
                .subresource("status")
                .patch(
                        new PatchContext.Builder()
                                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                                .withFieldManager("featureview")
                                .withForce(true)
                                .build());
        return resources.withName("fv").get();
    }

    @Test
    void podLogsAreServedFromTheFileLocalModeNamesWithTheirTail(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path log = dir.resolve("container.log");
        java.nio.file.Files.writeString(log, "one\ntwo\nthree\n");
        try (MockApi api = MockApi.start()) {
            api.servePodLogs((ns, pod) -> pod.equals("p-1") ? log : dir.resolve("none"));
            var pods = api.client().pods().inNamespace("default");
            assertThat(pods.withName("p-1").tailingLines(2).getLog()).isEqualTo("two\nthree\n");
            assertThat(pods.withName("p-1").getLog()).isEqualTo("one\ntwo\nthree\n");
            assertThatThrownBy(() -> pods.withName("p-2").getLog())
                    .isInstanceOf(KubernetesClientException.class);
        }
    }
}
