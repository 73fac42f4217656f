package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.NetworkPolicySpec;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** spec.networkPolicy on the mock API server: created, updated with the spec, deleted with it. */
@MockApiTier
@QuarkusTest
class ModelDeploymentNetworkPolicyTest {

    @Inject KubernetesClient client;

    private NetworkPolicy policy(String name) {
        return client.network().v1().networkPolicies().inNamespace(NS).withName(name).get();
    }

    private void awaitGone(String name) {
        await("NetworkPolicy " + name + " deleted")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> policy(name) == null);
    }

    private NetworkPolicy awaitPolicy(String name, Predicate<NetworkPolicy> until) {
        return await("NetworkPolicy " + name)
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () ->
                                client.network()
                                        .v1()
                                        .networkPolicies()
                                        .inNamespace(NS)
                                        .withName(name)
                                        .get(),
                        until);
    }

    private static NetworkPolicySpec from(String team) {
        NetworkPolicySpec spec = new NetworkPolicySpec();
        spec.from =
                List.of(
                        new NetworkPolicyPeerBuilder()
                                .withNamespaceSelector(
                                        new LabelSelectorBuilder()
                                                .withMatchLabels(Map.of("team", team))
                                                .build())
                                .build());
        return spec;
    }

    private static String team(NetworkPolicy p) {
        return p.getSpec()
                .getIngress()
                .get(0)
                .getFrom()
                .get(0)
                .getNamespaceSelector()
                .getMatchLabels()
                .get("team");
    }

    @Test
    void theNetworkPoliciesFollowTheSpecAndGoWhenItIsRemoved() {
        version(client, "m-netpol", 1, true);
        ModelDeployment md = deployment("md-netpol", "m-netpol");
        md.getSpec().networkPolicy = from("games");
        client.resource(md).create();

        NetworkPolicy serving = awaitPolicy("md-netpol", p -> p != null);
        awaitResource(
                client,
                ModelDeployment.class,
                "md-netpol",
                m -> m.getStatus() != null && m.getStatus().feedback != null);
        assertThat(team(serving)).isEqualTo("games");
        assertThat(serving.getSpec().getPodSelector().getMatchLabels())
                .containsEntry("mlcycle.io/modeldeployment", "md-netpol");
        NetworkPolicy shadow = awaitPolicy("md-netpol-shadow", p -> p != null);
        assertThat(shadow.getSpec().getIngress()).hasSize(2);

        edit(
                client,
                ModelDeployment.class,
                "md-netpol",
                m -> {
                    m.getSpec().networkPolicy = from("analytics");
                    return m;
                });
        awaitPolicy("md-netpol", p -> p != null && "analytics".equals(team(p)));

        edit(
                client,
                ModelDeployment.class,
                "md-netpol",
                m -> {
                    m.getSpec().networkPolicy = null;
                    return m;
                });
        awaitGone("md-netpol");
        awaitGone("md-netpol-shadow");
    }

    @Test
    void withoutSpecNetworkPolicyNoneIsCreated() {
        version(client, "m-nopol", 1, true);
        client.resource(deployment("md-nopol", "m-nopol")).create();
        await().atMost(TIMEOUT)
                .until(() -> ModelDeployments.servingDeployment(client, "md-nopol") != null);
        assertThat(
                        client.network()
                                .v1()
                                .networkPolicies()
                                .inNamespace(NS)
                                .withName("md-nopol")
                                .get())
                .isNull();
    }
}
