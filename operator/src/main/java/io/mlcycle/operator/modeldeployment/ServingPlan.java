package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The serving objects one reconcile decided on, built by {@link ServingResources}: handed to the
 * managed workflow through the context, where each dependent reads its desired state. A null
 * Deployment must not exist (its dependent's reconcile precondition fails and JOSDK deletes it).
 */
record ServingPlan(
        Deployment stable,
        Deployment canary,
        Service service,
        Deployment shadow,
        Service shadowService) {

    private static final String KEY = "mlcycle.serving-plan";

    void putInto(Context<ModelDeployment> context) {
        context.managedWorkflowAndDependentResourceContext().put(KEY, this);
    }

    static ServingPlan of(Context<ModelDeployment> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .getMandatory(KEY, ServingPlan.class);
    }
}
