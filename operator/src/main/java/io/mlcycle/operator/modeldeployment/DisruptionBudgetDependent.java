package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The PodDisruptionBudget {@code <name>} of the serving pods ({@code spec.disruption}): exists
 * while the plan wants it ({@link Planned}), deleted by JOSDK when not (e.g. replicas dropped to
 * 1).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ServingInformers.SERVER_SELECTOR))
public class DisruptionBudgetDependent extends HashedDependent<PodDisruptionBudget> {

    public DisruptionBudgetDependent() {
        super(PodDisruptionBudget.class);
    }

    @Override
    String name(ModelDeployment md) {
        return md.getMetadata().getName();
    }

    @Override
    PodDisruptionBudget planned(ServingPlan plan) {
        return plan.disruptionBudget();
    }

    @Override
    void copySpec(PodDisruptionBudget desired, PodDisruptionBudget live) {
        live.setSpec(desired.getSpec());
    }
}
