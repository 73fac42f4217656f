package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * Reconcile precondition of an optional serving object (canary, shadow Deployment and Service): the
 * reconcile's {@link ServingPlan} wants it. When not, JOSDK deletes it.
 */
public class Planned<R extends HasMetadata> implements Condition<R, ModelDeployment> {

    @Override
    public boolean isMet(
            DependentResource<R, ModelDeployment> dependent,
            ModelDeployment md,
            Context<ModelDeployment> context) {
        return ((PlannedDependent<R>) dependent).planned(ServingPlan.of(context)) != null;
    }
}
