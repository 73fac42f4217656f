package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.common.RuntimeJobs;

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

    /**
     * The stable Deployment serving {@code stable}, the canary as {@link CanaryRollout} planned it,
     * and, with a shadow challenger, the champion mirroring its share of requests to the
     * challenger's own Deployment and Service.
     */
    static ServingPlan assemble(
            RuntimeJobs runtimeJobs,
            ModelDeployment md,
            ModelVersion stable,
            int stableReplicas,
            Deployment canary,
            ShadowRollout.Plan shadow) {
        Deployment desired =
                ServingResources.deployment(runtimeJobs, md, stable, stableReplicas, false);
        ModelVersion challenger = shadow.challenger();
        if (challenger == null) {
            return new ServingPlan(desired, canary, ServingResources.service(md), null, null);
        }
        ServingResources.mirrorTo(
                desired,
                md,
                VersionResolver.number(challenger),
                md.getSpec().rollout.shadow.percent);
        return new ServingPlan(
                desired,
                canary,
                ServingResources.service(md),
                ServingResources.shadowDeployment(runtimeJobs, md, challenger),
                ServingResources.shadowService(md));
    }

    void putInto(Context<ModelDeployment> context) {
        context.managedWorkflowAndDependentResourceContext().put(KEY, this);
    }

    static ServingPlan of(Context<ModelDeployment> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .getMandatory(KEY, ServingPlan.class);
    }
}
