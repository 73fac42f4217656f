package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * Reconcile precondition of an optional Service (the shadow challenger's): the reconcile's {@link
 * ServingPlan} wants it. When not, JOSDK deletes it.
 */
public class ServicePlanned implements Condition<Service, ModelDeployment> {

    @Override
    public boolean isMet(
            DependentResource<Service, ModelDeployment> dependent,
            ModelDeployment md,
            Context<ModelDeployment> context) {
        return ((ServingServiceDependent) dependent).planned(ServingPlan.of(context)) != null;
    }
}
