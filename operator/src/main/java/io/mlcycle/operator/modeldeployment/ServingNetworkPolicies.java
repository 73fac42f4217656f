package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.common.RuntimeObjects;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The NetworkPolicies of {@code spec.networkPolicy} (pure): {@code <name>} admits the spec's peers
 * to the stable and canary pods' serving ports; {@code <name>-shadow} admits them and the
 * champion's pods (the mirrored requests and feedback) to the shadow challenger's pods.
 */
final class ServingNetworkPolicies {

    private ServingNetworkPolicies() {}

    static String name(ModelDeployment md) {
        return md.getMetadata().getName();
    }

    static String shadowName(ModelDeployment md) {
        return ServingResources.shadowName(md);
    }

    /** Whether the spec asks for the policies. */
    static boolean wanted(ModelDeployment md) {
        return md.getSpec().networkPolicy != null;
    }

    /** The policy of the stable and canary pods. */
    static NetworkPolicy serving(ModelDeployment md) {
        List<NetworkPolicyIngressRule> rules = new ArrayList<>();
        List<NetworkPolicyPeer> from = md.getSpec().networkPolicy.from;
        if (from != null && !from.isEmpty()) {
            rules.add(rule(from, true));
        }
        return policy(md, name(md), ServingResources.selector(md), rules);
    }

    /** The policy of the shadow challenger's pods: the spec's peers and the champion's pods. */
    static NetworkPolicy shadow(ModelDeployment md) {
        List<NetworkPolicyIngressRule> rules = new ArrayList<>();
        List<NetworkPolicyPeer> from = md.getSpec().networkPolicy.from;
        if (from != null && !from.isEmpty()) {
            rules.add(rule(from, true));
        }
        NetworkPolicyPeer champion =
                new NetworkPolicyPeerBuilder()
                        .withPodSelector(
                                new LabelSelectorBuilder()
                                        .withMatchLabels(ServingResources.selector(md))
                                        .build())
                        .build();
        rules.add(rule(List.of(champion), false));
        return policy(md, shadowName(md), ServingResources.shadowSelector(md), rules);
    }

    private static NetworkPolicyIngressRule rule(List<NetworkPolicyPeer> from, boolean grpc) {
        List<NetworkPolicyPort> ports = new ArrayList<>();
        ports.add(port(ServingResources.PORT));
        if (grpc) {
            ports.add(port(ServingResources.GRPC_PORT));
        }
        return new NetworkPolicyIngressRuleBuilder().withFrom(from).withPorts(ports).build();
    }

    private static NetworkPolicyPort port(int port) {
        return new NetworkPolicyPortBuilder()
                .withProtocol("TCP")
                .withPort(new IntOrString(port))
                .build();
    }

    private static NetworkPolicy policy(
            ModelDeployment md,
            String name,
            Map<String, String> pods,
            List<NetworkPolicyIngressRule> rules) {
        return new NetworkPolicyBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(md.getMetadata().getNamespace())
                .withLabels(
                        Map.of(
                                RuntimeObjects.MANAGED_BY_LABEL,
                                RuntimeObjects.MANAGED_BY,
                                RuntimeObjects.ownerLabel(md.getKind()),
                                md.getMetadata().getName()))
                .withOwnerReferences(RuntimeObjects.controllerReference(md))
                .endMetadata()
                .withNewSpec()
                .withNewPodSelector()
                .withMatchLabels(pods)
                .endPodSelector()
                .withPolicyTypes("Ingress")
                .withIngress(rules)
                .endSpec()
                .build();
    }
}
