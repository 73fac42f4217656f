package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaler;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaling;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Budget;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Disruption;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HorizontalPodAutoscaler, KEDA ScaledObject and PodDisruptionBudget built from a spec, the
 * replicas the canary and shadow take from an autoscaled stable count, and the checks of the fields
 * naming field and value.
 */
@UnitTier
class ServingScalingTest {

    private static ModelDeployment md(Autoscaling a, Integer replicas) {
        ModelDeployment md = ModelDeployments.deployment("scorer", "return-predictor");
        md.getSpec().autoscaling = a;
        md.getSpec().replicas = replicas;
        return md;
    }

    private static Autoscaling autoscaling(int min, int max, Integer cpu, Integer rps) {
        Autoscaling a = new Autoscaling();
        a.minReplicas = min;
        a.maxReplicas = max;
        a.targetCPUUtilizationPercentage = cpu;
        a.targetRequestsPerSecond = rps;
        return a;
    }

    private static Deployment stableWith(int replicas) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName("scorer")
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .endSpec()
                .build();
    }

    @Test
    void aCpuTargetBecomesAnAutoscalingV2HpaOnTheStableDeployment() {
        HorizontalPodAutoscaler hpa = ServingScaling.hpa(md(autoscaling(2, 8, 70, null), 1));
        assertThat(hpa.getApiVersion()).isEqualTo("autoscaling/v2");
        assertThat(hpa.getMetadata().getName()).isEqualTo("scorer");
        assertThat(hpa.getMetadata().getLabels()).containsEntry("mlcycle.io/runtime", "server");
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("scorer");
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(8);
        var metric = hpa.getSpec().getMetrics().get(0);
        assertThat(metric.getType()).isEqualTo("Resource");
        assertThat(metric.getResource().getName()).isEqualTo("cpu");
        assertThat(metric.getResource().getTarget().getType()).isEqualTo("Utilization");
        assertThat(metric.getResource().getTarget().getAverageUtilization()).isEqualTo(70);
        assertThat(ServingScaling.specHash(hpa)).isNotBlank();
    }

    @Test
    void aRequestsPerSecondTargetIsThePrometheusAdaptersPodsMetric() {
        HorizontalPodAutoscaler hpa = ServingScaling.hpa(md(autoscaling(1, 4, null, 50), 1));
        var metric = hpa.getSpec().getMetrics().get(0);
        assertThat(metric.getType()).isEqualTo("Pods");
        assertThat(metric.getPods().getMetric().getName()).isEqualTo("mlcycle_requests_per_second");
        assertThat(metric.getPods().getTarget().getType()).isEqualTo("AverageValue");
        assertThat(metric.getPods().getTarget().getAverageValue()).isEqualTo(new Quantity("50"));
        assertThat(ServingScaling.hpa(md(null, 3))).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void kedaGetsAScaledObjectWithAPrometheusTriggerOnTheServersOwnCounter() {
        Autoscaling a = autoscaling(2, 10, null, 40);
        a.autoscaler = Autoscaler.keda;
        a.prometheusUrl = "http://prometheus.monitoring:9090";
        ModelDeployment md = md(a, 1);
        assertThat(ServingScaling.hpa(md)).isNull();
        GenericKubernetesResource so = ServingScaling.scaledObject(md);
        assertThat(so.getApiVersion()).isEqualTo("keda.sh/v1alpha1");
        assertThat(so.getKind()).isEqualTo("ScaledObject");
        Map<String, Object> spec = (Map<String, Object>) so.getAdditionalProperties().get("spec");
        assertThat((Map<String, Object>) spec.get("scaleTargetRef"))
                .containsEntry("kind", "Deployment")
                .containsEntry("name", "scorer");
        assertThat(spec).containsEntry("minReplicaCount", 2).containsEntry("maxReplicaCount", 10);
        Map<String, Object> trigger = ((List<Map<String, Object>>) spec.get("triggers")).get(0);
        assertThat(trigger).containsEntry("type", "prometheus");
        assertThat((Map<String, String>) trigger.get("metadata"))
                .containsEntry("serverAddress", "http://prometheus.monitoring:9090")
                .containsEntry("threshold", "40")
                .containsEntry(
                        "query",
                        "sum(rate(mlcycle_requests_total{namespace=\""
                                + md.getMetadata().getNamespace()
                                + "\",deployment=\"scorer\",endpoint=\"infer\"}[1m]))");

        Autoscaling cpu = autoscaling(1, 3, 80, null);
        cpu.autoscaler = Autoscaler.keda;
        Map<String, Object> cpuSpec =
                (Map<String, Object>)
                        ServingScaling.scaledObject(md(cpu, 1))
                                .getAdditionalProperties()
                                .get("spec");
        assertThat(((List<Map<String, Object>>) cpuSpec.get("triggers")).get(0))
                .containsEntry("type", "cpu")
                .containsEntry("metricType", "Utilization")
                .containsEntry("metadata", Map.of("value", "80"));
    }

    @Test
    void aBudgetIsMadeByDefaultOnlyWhenMoreThanOneServingPodIsWanted() {
        assertThat(ServingScaling.pdb(md(null, 1))).isNull();
        PodDisruptionBudget pdb = ServingScaling.pdb(md(null, 3));
        assertThat(pdb.getApiVersion()).isEqualTo("policy/v1");
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(pdb.getSpec().getMinAvailable()).isNull();
        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .isEqualTo(ServingResources.selector(md(null, 3)));
        // autoscaled: the floor is minReplicas, not spec.replicas
        assertThat(ServingScaling.pdb(md(autoscaling(1, 5, 70, null), 4))).isNull();
        assertThat(ServingScaling.pdb(md(autoscaling(2, 5, 70, null), 1))).isNotNull();
    }

    @Test
    void minAvailableReplacesMaxUnavailableAndTheBudgetCanBeForcedOrRefused() {
        ModelDeployment md = md(null, 4);
        md.getSpec().disruption = new Disruption();
        md.getSpec().disruption.minAvailable = 3;
        PodDisruptionBudget pdb = ServingScaling.pdb(md);
        assertThat(pdb.getSpec().getMinAvailable()).isEqualTo(new IntOrString(3));
        assertThat(pdb.getSpec().getMaxUnavailable()).isNull();
        md.getSpec().disruption.podDisruptionBudget = Budget.never;
        assertThat(ServingScaling.pdb(md)).isNull();
        ModelDeployment one = md(null, 1);
        one.getSpec().disruption = new Disruption();
        one.getSpec().disruption.podDisruptionBudget = Budget.always;
        assertThat(ServingScaling.pdb(one).getSpec().getMaxUnavailable())
                .isEqualTo(new IntOrString(1));
    }

    @Test
    void withAutoscalingTheCanaryAndShadowTakeTheirShareOfTheLiveStableCount() {
        ModelDeployment fixed = md(null, 4);
        assertThat(ServingReplicas.wanted(fixed, stableWith(9))).isEqualTo(4);
        assertThat(ServingReplicas.split(fixed, 4, 25)).isEqualTo(new CanaryPlan.Split(1, 3));

        ModelDeployment scaled = md(autoscaling(2, 20, 70, null), 4);
        assertThat(ServingReplicas.wanted(scaled, null)).isEqualTo(2);
        assertThat(ServingReplicas.wanted(scaled, stableWith(9))).isEqualTo(9);
        // 9 stable pods the autoscaler set stay; 25 % on the canary is 3 beside them
        assertThat(ServingReplicas.split(scaled, 9, 25)).isEqualTo(new CanaryPlan.Split(3, 9));
        assertThat(ServingReplicas.split(scaled, 12, 25)).isEqualTo(new CanaryPlan.Split(4, 12));
        assertThat(ServingReplicas.split(scaled, 2, 10)).isEqualTo(new CanaryPlan.Split(1, 2));
        assertThat(ServingReplicas.shadow(1, 10)).isEqualTo(1);
        assertThat(ServingReplicas.shadow(20, 10)).isEqualTo(2);
        assertThat(ServingReplicas.shadow(21, 10)).isEqualTo(3);
    }

    @Test
    void minAboveMaxAndBudgetsThatBlockEveryEvictionAreInvalidNamingFieldAndValue() {
        ModelDeploymentSpec spec = md(autoscaling(5, 2, 70, null), 1).getSpec();
        assertThat(SpecChecks.invalid(spec))
                .hasValue(
                        "spec.autoscaling.minReplicas 5 must be from 1 to"
                                + " spec.autoscaling.maxReplicas (2)");
        spec.autoscaling = autoscaling(1, 2, 70, 20);
        assertThat(SpecChecks.invalid(spec).orElseThrow())
                .contains(
                        "exactly one of targetCPUUtilizationPercentage or targetRequestsPerSecond");
        spec.autoscaling.autoscaler = Autoscaler.external;
        assertThat(SpecChecks.invalid(spec)).isEmpty();

        ModelDeploymentSpec budget = md(null, 3).getSpec();
        budget.disruption = new Disruption();
        budget.disruption.maxUnavailable = 0;
        assertThat(SpecChecks.invalid(budget).orElseThrow())
                .startsWith("spec.disruption.maxUnavailable 0 allows no eviction");
        budget.disruption.maxUnavailable = 1;
        budget.disruption.minAvailable = 3;
        assertThat(SpecChecks.invalid(budget))
                .hasValue(
                        "spec.disruption.minAvailable 3 must be below spec.replicas (3): a budget"
                                + " that allows no eviction blocks every node drain");
        budget.disruption.minAvailable = 2;
        assertThat(SpecChecks.invalid(budget)).isEmpty();
    }
}
