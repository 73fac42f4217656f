package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;

/** The arithmetic of a weighted canary: each step's traffic percent and the pods that give it. */
public final class CanaryPlan {

    private CanaryPlan() {}

    /** Pods of the canary and of the stable Deployment. */
    public record Split(int canary, int stable) {
        /** The canary's share of the serving pods, in percent. */
        public double percent() {
            return 100.0 * canary / (canary + stable);
        }
    }

    /**
     * Splits {@code replicas} so the canary gets about {@code weight} % of them: canary =
     * round(replicas * weight / 100) with halves up, at least 1 and at most replicas - 1, the rest
     * stable, so the total stays {@code replicas}. One replica cannot be split: the canary adds a
     * pod beside it (50 %).
     */
    public static Split split(int replicas, int weight) {
        if (replicas < 1) {
            throw new IllegalArgumentException("a canary needs replicas >= 1, got " + replicas);
        }
        if (replicas == 1) {
            return new Split(1, 1);
        }
        int canary = (int) Math.floor(replicas * weight / 100.0 + 0.5);
        canary = Math.max(1, Math.min(replicas - 1, canary));
        return new Split(canary, replicas - canary);
    }

    /** Step {@code step}'s (1-based) weight: min(step * weight, maxWeight). */
    public static int weight(ModelDeploymentSpec.Canary canary, int step) {
        return (int) Math.min((long) step * canary.weight, Defaults.copy(canary).maxWeight);
    }

    public static int steps(ModelDeploymentSpec.Canary canary) {
        return Defaults.copy(canary).steps;
    }

    /** The same rules as the CRD schema, for a resource that did not pass an API server. */
    public static void check(ModelDeploymentSpec.Canary canary) {
        String at = "spec.rollout.canary.";
        if (canary.weight == null || canary.weight < 1 || canary.weight > 99) {
            throw new IllegalArgumentException(at + "weight must be 1 to 99, got " + canary.weight);
        }
        if (steps(canary) < 1) {
            throw new IllegalArgumentException(at + "steps must be >= 1, got " + canary.steps);
        }
        if (canary.maxWeight != null
                && (canary.maxWeight < canary.weight || canary.maxWeight > 99)) {
            throw new IllegalArgumentException(
                    at
                            + "maxWeight must be from weight ("
                            + canary.weight
                            + ") to 99, got "
                            + canary.maxWeight);
        }
        if (canary.tolerance != null && !(canary.tolerance >= 0)) {
            throw new IllegalArgumentException(
                    at + "tolerance must be >= 0, got " + canary.tolerance);
        }
    }
}
