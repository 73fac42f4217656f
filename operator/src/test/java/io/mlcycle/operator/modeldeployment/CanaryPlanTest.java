package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.modeldeployment.CanaryPlan.Split;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class CanaryPlanTest {

    private static ModelDeploymentSpec.Canary canary(int weight, int steps, Integer maxWeight) {
        ModelDeploymentSpec.Canary c = new ModelDeploymentSpec.Canary();
        c.weight = weight;
        c.steps = steps;
        c.maxWeight = maxWeight;
        return c;
    }

    @Test
    void splitKeepsTheTotalAndRoundsTheCanaryToTheNearestPodHalvesUp() {
        assertThat(CanaryPlan.split(5, 20)).isEqualTo(new Split(1, 4));
        assertThat(CanaryPlan.split(10, 25)).isEqualTo(new Split(3, 7));
        assertThat(CanaryPlan.split(10, 24)).isEqualTo(new Split(2, 8));
        assertThat(CanaryPlan.split(4, 50)).isEqualTo(new Split(2, 2));
        assertThat(CanaryPlan.split(5, 40).percent()).isEqualTo(40.0);
    }

    @Test
    void theCanaryHasAtLeastOnePodAndTheStableKeepsAtLeastOne() {
        assertThat(CanaryPlan.split(10, 1)).isEqualTo(new Split(1, 9));
        assertThat(CanaryPlan.split(3, 99)).isEqualTo(new Split(2, 1));
        assertThat(CanaryPlan.split(2, 10)).isEqualTo(new Split(1, 1));
    }

    @Test
    void oneReplicaGetsACanaryPodBesideIt() {
        assertThat(CanaryPlan.split(1, 20)).isEqualTo(new Split(1, 1));
        assertThat(CanaryPlan.split(1, 20).percent()).isEqualTo(50.0);
        assertThatThrownBy(() -> CanaryPlan.split(0, 20)).hasMessageContaining("replicas >= 1");
    }

    @Test
    void eachStepAddsTheWeightUpToMaxWeight() {
        ModelDeploymentSpec.Canary c = canary(20, 4, 50);
        assertThat(CanaryPlan.weight(c, 1)).isEqualTo(20);
        assertThat(CanaryPlan.weight(c, 2)).isEqualTo(40);
        assertThat(CanaryPlan.weight(c, 3)).isEqualTo(50);
        assertThat(CanaryPlan.weight(c, 4)).isEqualTo(50);
        ModelDeploymentSpec.Canary uncapped = canary(40, 3, null);
        assertThat(CanaryPlan.weight(uncapped, 2)).isEqualTo(80);
        assertThat(CanaryPlan.weight(uncapped, 3)).isEqualTo(99);
    }

    @Test
    void invalidCanaryIsRejectedNamingTheField() {
        assertThatThrownBy(() -> CanaryPlan.check(canary(0, 1, null)))
                .hasMessageContaining("spec.rollout.canary.weight");
        assertThatThrownBy(() -> CanaryPlan.check(canary(100, 1, null)))
                .hasMessageContaining("spec.rollout.canary.weight");
        assertThatThrownBy(() -> CanaryPlan.check(canary(10, 0, null)))
                .hasMessageContaining("spec.rollout.canary.steps");
        assertThatThrownBy(() -> CanaryPlan.check(canary(30, 2, 20)))
                .hasMessageContaining("spec.rollout.canary.maxWeight");
        ModelDeploymentSpec.Canary negative = canary(10, 1, null);
        negative.tolerance = -0.1;
        assertThatThrownBy(() -> CanaryPlan.check(negative))
                .hasMessageContaining("spec.rollout.canary.tolerance");
        CanaryPlan.check(canary(10, 3, 30));
    }
}
