package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;

/**
 * Who decides how many serving pods run: {@code spec.replicas}, or with {@code spec.autoscaling}
 * the autoscaler, whose count the operator reads from the live stable Deployment and never writes.
 * The canary and the shadow take their pods from that count, so they keep their share as it scales.
 */
final class ServingReplicas {

    private ServingReplicas() {}

    static boolean autoscaled(ModelDeploymentSpec spec) {
        return spec.autoscaling != null;
    }

    /**
     * Pods the stable track wants: spec.replicas; with autoscaling the live Deployment's replicas
     * (autoscaling.minReplicas while there is none).
     */
    static int wanted(ModelDeployment md, Deployment stable) {
        ModelDeploymentSpec spec = Defaults.copy(md.getSpec());
        if (!autoscaled(spec)) {
            return spec.replicas;
        }
        Integer live =
                stable == null || stable.getSpec() == null ? null : stable.getSpec().getReplicas();
        return live == null ? spec.autoscaling.minReplicas : live;
    }

    /**
     * The canary's pods beside {@code wanted} stable ones at {@code weight} %. Without autoscaling
     * the total stays spec.replicas ({@link CanaryPlan#split}); with it the stable count is the
     * autoscaler's, so the canary adds round(wanted * weight / (100 - weight)) pods (at least 1)
     * and the stable count stays what it is.
     */
    static CanaryPlan.Split split(ModelDeployment md, int wanted, int weight) {
        if (!autoscaled(md.getSpec())) {
            return CanaryPlan.split(wanted, weight);
        }
        int canary = (int) Math.floor(wanted * weight / (100.0 - weight) + 0.5);
        return new CanaryPlan.Split(Math.max(1, canary), wanted);
    }

    /**
     * The shadow challenger's pods for {@code percent} % of the requests of {@code wanted} champion
     * pods: ceil(wanted * percent / 100), at least 1, so it keeps up when the champion scales.
     */
    static int shadow(int wanted, int percent) {
        return Math.max(1, (int) Math.ceil(wanted * percent / 100.0));
    }

    /** The fewest pods the spec ever wants: replicas, or autoscaling.minReplicas. */
    static int floor(ModelDeploymentSpec spec) {
        ModelDeploymentSpec s = Defaults.copy(spec);
        return autoscaled(s) ? s.autoscaling.minReplicas : s.replicas;
    }
}
