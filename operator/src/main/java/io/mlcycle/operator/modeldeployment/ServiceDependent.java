package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/** The serving Service {@code <name>}: always there once a version resolves. */
public class ServiceDependent extends ServingServiceDependent {

    @Override
    String name(ModelDeployment md) {
        return md.getMetadata().getName();
    }

    @Override
    Service planned(ServingPlan plan) {
        return plan.service();
    }
}
