package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * Reconcile precondition of an optional serving Deployment (canary, shadow…): the reconcile's
 * {@link ServingPlan} wants it. When not, JOSDK deletes it.
 */
public class Planned implements Condition<Deployment, ModelDeployment> {

    @Override
    public boolean isMet(
            DependentResource<Deployment, ModelDeployment> dependent,
            ModelDeployment md,
            Context<ModelDeployment> context) {
        return ((ServingDeploymentDependent) dependent).planned(ServingPlan.of(context)) != null;
    }
}
