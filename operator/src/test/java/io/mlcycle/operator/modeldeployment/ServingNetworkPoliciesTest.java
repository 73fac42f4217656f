package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.NetworkPolicySpec;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ServingNetworkPoliciesTest {

    private static ModelDeployment md(List<NetworkPolicyPeer> from) {
        ModelDeployment md = ModelDeployments.deployment("churn", "churn");
        md.getMetadata().setUid("uid-1");
        md.getSpec().networkPolicy = new NetworkPolicySpec();
        md.getSpec().networkPolicy.from = from;
        return md;
    }

    private static final NetworkPolicyPeer CLIENTS =
            new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(
                            new LabelSelectorBuilder()
                                    .withMatchLabels(Map.of("team", "games"))
                                    .build())
                    .build();

    @Test
    void theServingPodsAdmitOnlyTheSpecsPeersOnTheHttpAndGrpcPorts() {
        NetworkPolicy p = ServingNetworkPolicies.serving(md(List.of(CLIENTS)));
        assertThat(p.getMetadata().getName()).isEqualTo("churn");
        assertThat(p.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getController()).isTrue());
        assertThat(p.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(ServingResources.selector(md(List.of())));
        assertThat(p.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(p.getSpec().getIngress())
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.getFrom()).containsExactly(CLIENTS);
                            assertThat(r.getPorts())
                                    .extracting(
                                            x -> x.getProtocol() + "/" + x.getPort().getIntVal())
                                    .containsExactly("TCP/8080", "TCP/8081");
                        });
    }

    @Test
    void withoutPeersTheServingPodsAdmitNoOne() {
        NetworkPolicy p = ServingNetworkPolicies.serving(md(List.of()));
        assertThat(p.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(p.getSpec().getIngress()).isEmpty();
    }

    @Test
    void theShadowChallengerAdmitsThePeersAndTheChampionsPodsOnHttp() {
        ModelDeployment md = md(List.of(CLIENTS));
        NetworkPolicy p = ServingNetworkPolicies.shadow(md);
        assertThat(p.getMetadata().getName()).isEqualTo("churn-shadow");
        assertThat(p.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(ServingResources.shadowSelector(md));
        assertThat(p.getSpec().getIngress()).hasSize(2);
        var champion = p.getSpec().getIngress().get(1);
        assertThat(champion.getFrom())
                .singleElement()
                .satisfies(
                        f ->
                                assertThat(f.getPodSelector().getMatchLabels())
                                        .isEqualTo(ServingResources.selector(md)));
        assertThat(champion.getPorts())
                .extracting(x -> x.getPort().getIntVal())
                .containsExactly(8080);
        // the champion's selector never matches the challenger's pods (no self-admission)
        assertThat(ServingResources.shadowSelector(md))
                .doesNotContainEntry("mlcycle.io/modeldeployment", "churn");
    }
}
