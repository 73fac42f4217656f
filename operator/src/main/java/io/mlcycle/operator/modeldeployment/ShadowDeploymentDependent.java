package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The shadow challenger's Deployment {@code <name>-shadow}: exists while {@link ShadowRollout} has
 * a challenger (reconcile precondition {@link Planned}); deleted by JOSDK when it has none.
 */
public class ShadowDeploymentDependent extends ServingDeploymentDependent {

    @Override
    String name(ModelDeployment md) {
        return ServingResources.shadowName(md);
    }

    @Override
    Deployment planned(ServingPlan plan) {
        return plan.shadow();
    }
}
