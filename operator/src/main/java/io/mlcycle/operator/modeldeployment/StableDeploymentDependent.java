package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/** The stable serving Deployment {@code <name>}: always there once a version resolves. */
public class StableDeploymentDependent extends ServingDeploymentDependent {

    @Override
    String name(ModelDeployment md) {
        return md.getMetadata().getName();
    }

    @Override
    Deployment planned(ServingPlan plan) {
        return plan.stable();
    }
}
