package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The shadow challenger pods' NetworkPolicy {@code <name>-shadow} ({@link
 * ServingNetworkPolicies#shadow}): kept while {@code spec.networkPolicy} is set.
 */
public class ShadowNetworkPolicyDependent
        extends CRUDKubernetesDependentResource<NetworkPolicy, ModelDeployment> {

    public ShadowNetworkPolicyDependent() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(ModelDeployment md, Context<ModelDeployment> context) {
        return ServingNetworkPolicies.shadow(md);
    }

    @Override
    protected ResourceID targetSecondaryResourceID(
            ModelDeployment md, Context<ModelDeployment> context) {
        return new ResourceID(
                ServingNetworkPolicies.shadowName(md), md.getMetadata().getNamespace());
    }
}
