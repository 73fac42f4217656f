package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The canary Deployment {@code <name>-canary}: exists while {@link CanaryRollout} plans one
 * (reconcile precondition {@link Planned}); deleted by JOSDK when it does not.
 */
public class CanaryDeploymentDependent extends ServingDeploymentDependent {

    @Override
    String name(ModelDeployment md) {
        return ServingResources.canaryName(md);
    }

    @Override
    Deployment planned(ServingPlan plan) {
        return plan.canary();
    }
}
