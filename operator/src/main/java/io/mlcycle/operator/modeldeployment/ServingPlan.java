package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.mlcycle.operator.api.Defaults;
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
        Service shadowService,
        HorizontalPodAutoscaler autoscaler,
        PodDisruptionBudget disruptionBudget) {

    private static final String KEY = "mlcycle.serving-plan";

    /**
     * The stable Deployment serving {@code stable}, the canary as {@link CanaryRollout} planned it,
     * and, with a shadow challenger, the champion mirroring its share of requests to the
     * challenger's own Deployment and Service (its pods in proportion to the champion's). With
     * autoscaling the stable Deployment's replicas are the autoscaler's; the
     * HorizontalPodAutoscaler and PodDisruptionBudget when the spec wants them.
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
        Deployment shadowDeployment = null;
        if (challenger != null) {
            int percent = Defaults.copy(md.getSpec().rollout.shadow).percent;
            ServingResources.mirrorTo(desired, md, VersionResolver.number(challenger), percent);
            shadowDeployment =
                    ServingResources.shadowDeployment(
                            runtimeJobs,
                            md,
                            challenger,
                            ServingReplicas.shadow(stableReplicas, percent));
        }
        if (ServingReplicas.autoscaled(md.getSpec())) {
            ServingResources.replicasOwnedElsewhere(desired);
        }
        return new ServingPlan(
                desired,
                canary,
                ServingResources.service(md),
                shadowDeployment,
                challenger == null ? null : ServingResources.shadowService(md),
                ServingScaling.hpa(md),
                ServingScaling.pdb(md));
    }

    void putInto(Context<ModelDeployment> context) {
        context.managedWorkflowAndDependentResourceContext().put(KEY, this);
    }

    static ServingPlan of(Context<ModelDeployment> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .getMandatory(KEY, ServingPlan.class);
    }
}
