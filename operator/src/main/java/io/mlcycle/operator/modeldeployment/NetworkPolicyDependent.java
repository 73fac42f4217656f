package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The serving pods' NetworkPolicy {@code <name>} ({@link ServingNetworkPolicies#serving}): kept
 * while {@code spec.networkPolicy} is set, deleted when it is removed.
 */
public class NetworkPolicyDependent
        extends CRUDKubernetesDependentResource<NetworkPolicy, ModelDeployment> {

    public NetworkPolicyDependent() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(ModelDeployment md, Context<ModelDeployment> context) {
        return ServingNetworkPolicies.serving(md);
    }

    @Override
    protected ResourceID targetSecondaryResourceID(
            ModelDeployment md, Context<ModelDeployment> context) {
        return new ResourceID(ServingNetworkPolicies.name(md), md.getMetadata().getNamespace());
    }

    /** Reconcile precondition: the spec asks for network policies (else JOSDK deletes them). */
    public static class Wanted implements Condition<NetworkPolicy, ModelDeployment> {
        @Override
        public boolean isMet(
                DependentResource<NetworkPolicy, ModelDeployment> dependent,
                ModelDeployment md,
                Context<ModelDeployment> context) {
            return ServingNetworkPolicies.wanted(md);
        }
    }
}
