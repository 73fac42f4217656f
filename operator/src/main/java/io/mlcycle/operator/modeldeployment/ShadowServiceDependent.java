package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The shadow challenger's Service {@code <name>-shadow} (the champion's pods mirror to it): exists
 * while {@link ShadowRollout} has a challenger (reconcile precondition {@link Planned}).
 */
public class ShadowServiceDependent extends ServingServiceDependent {

    @Override
    String name(ModelDeployment md) {
        return ServingResources.shadowName(md);
    }

    @Override
    Service planned(ServingPlan plan) {
        return plan.shadowService();
    }
}
