package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;

/**
 * The HorizontalPodAutoscaler {@code <name>} of {@code spec.autoscaling} (autoscaler hpa) on the
 * stable Deployment: exists while the plan wants it ({@link Planned}), deleted by JOSDK when not.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ServingInformers.SERVER_SELECTOR))
public class AutoscalerDependent extends HashedDependent<HorizontalPodAutoscaler> {

    public AutoscalerDependent() {
        super(HorizontalPodAutoscaler.class);
    }

    @Override
    String name(ModelDeployment md) {
        return md.getMetadata().getName();
    }

    @Override
    HorizontalPodAutoscaler planned(ServingPlan plan) {
        return plan.autoscaler();
    }

    @Override
    void copySpec(HorizontalPodAutoscaler desired, HorizontalPodAutoscaler live) {
        live.setSpec(desired.getSpec());
    }
}
