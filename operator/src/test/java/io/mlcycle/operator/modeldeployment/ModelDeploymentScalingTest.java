package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaling;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Autoscaled and disruption-safe serving on the mock API server: the HPA on the stable Deployment,
 * replicas the operator never writes once an autoscaler owns them (across reconciles and a version
 * change), the scale subresource's fields in status, the PodDisruptionBudget's lifecycle, and bad
 * scaling input that leaves serving as it was.
 */
@MockApiTier
@QuarkusTest
class ModelDeploymentScalingTest {

    @Inject KubernetesClient client;

    private <T> T awaitUntil(String what, Supplier<T> read, Predicate<T> until) {
        return await().alias(what)
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(read::get, r -> r != null && until.test(r));
    }

    private ModelDeployment md(String name) {
        return client.resources(ModelDeployment.class).inNamespace(NS).withName(name).get();
    }

    private HorizontalPodAutoscaler hpa(String name) {
        return client.autoscaling()
                .v2()
                .horizontalPodAutoscalers()
                .inNamespace(NS)
                .withName(name)
                .get();
    }

    private PodDisruptionBudget pdb(String name) {
        return client.resources(PodDisruptionBudget.class).inNamespace(NS).withName(name).get();
    }

    private void scaleDeployment(String name, int replicas) {
        Cluster.edit(
                client,
                Deployment.class,
                name,
                d -> {
                    d.getSpec().setReplicas(replicas);
                    return d;
                });
    }

    private static Autoscaling cpu(int min, int max) {
        Autoscaling a = new Autoscaling();
        a.minReplicas = min;
        a.maxReplicas = max;
        a.targetCPUUtilizationPercentage = 70;
        return a;
    }

    @Test
    void replicasTheAutoscalerSetStayAcrossReconcilesAndAVersionChange() {
        version(client, "m-hpa", 1, true);
        ModelDeployment md = deployment("md-hpa", "m-hpa");
        md.getSpec().autoscaling = cpu(2, 6);
        client.resource(md).create();

        Deployment d =
                awaitUntil(
                        "stable Deployment md-hpa serving version 1",
                        () -> servingDeployment(client, "md-hpa"),
                        x -> serveTask(x).version() == 1);
        assertThat(d.getSpec().getReplicas())
                .as("a new Deployment starts at minReplicas")
                .isEqualTo(2);
        HorizontalPodAutoscaler hpa = awaitUntil("HPA md-hpa", () -> hpa("md-hpa"), h -> true);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("md-hpa");
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
        Cluster.assertControlledBy(hpa, md("md-hpa"));

        // the HPA scales the Deployment to 5; the operator reconciles (status follows) and leaves
        // it
        scaleDeployment("md-hpa", 5);
        ModelDeployment seen =
                awaitUntil(
                        "status.replicas of md-hpa = the autoscaler's 5",
                        () -> md("md-hpa"),
                        m ->
                                m.getStatus() != null
                                        && Integer.valueOf(5).equals(m.getStatus().replicas));
        assertThat(seen.getStatus().autoscaler).isEqualTo("HorizontalPodAutoscaler/md-hpa");
        assertThat(seen.getStatus().selector)
                .isEqualTo(ServingScaling.selectorString(md("md-hpa")))
                .contains("mlcycle.io/modeldeployment=md-hpa");
        Cluster.poke(client, ModelDeployment.class, "md-hpa");
        version(client, "m-hpa", 2, true);
        d =
                awaitUntil(
                        "stable Deployment md-hpa rolled to version 2",
                        () -> servingDeployment(client, "md-hpa"),
                        x -> serveTask(x).version() == 2);
        assertThat(d.getSpec().getReplicas()).as("replicas after the version change").isEqualTo(5);

        // autoscaling removed: the HPA goes, spec.replicas is the operator's to write again
        Cluster.edit(
                client,
                ModelDeployment.class,
                "md-hpa",
                m -> {
                    m.getSpec().autoscaling = null;
                    m.getSpec().replicas = 3;
                    return m;
                });
        awaitUntil(
                "md-hpa at spec.replicas 3 without an HPA",
                () -> servingDeployment(client, "md-hpa"),
                x -> x.getSpec().getReplicas() == 3 && hpa("md-hpa") == null);
    }

    @Test
    void scalingTheModelDeploymentSetsSpecReplicasTheOperatorRollsOut() {
        version(client, "m-scale", 1, true);
        client.resource(deployment("md-scale", "m-scale")).create();
        awaitUntil(
                "md-scale serving 1 pod",
                () -> servingDeployment(client, "md-scale"),
                x -> x.getSpec().getReplicas() == 1);

        // what kubectl scale md/md-scale --replicas=3 writes through the scale subresource
        client.resources(ModelDeployment.class).inNamespace(NS).withName("md-scale").scale(3);

        awaitUntil(
                "md-scale's Deployment at 3 replicas",
                () -> servingDeployment(client, "md-scale"),
                x -> x.getSpec().getReplicas() == 3);
        ModelDeployment md =
                awaitUntil(
                        "status.replicas 3 and status.selector of md-scale",
                        () -> md("md-scale"),
                        m ->
                                m.getStatus() != null
                                        && Integer.valueOf(3).equals(m.getStatus().replicas)
                                        && m.getStatus().selector != null);
        assertThat(md.getSpec().replicas).isEqualTo(3);
        assertThat(md.getStatus().selector).contains("mlcycle.io/runtime=server");
    }

    @Test
    void aBudgetGuardsMoreThanOnePodAndGoesWhenReplicasDropToOne() {
        version(client, "m-pdb", 1, true);
        ModelDeployment md = deployment("md-pdb", "m-pdb");
        md.getSpec().replicas = 3;
        client.resource(md).create();

        PodDisruptionBudget pdb = awaitUntil("PDB md-pdb", () -> pdb("md-pdb"), p -> true);
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .containsEntry("mlcycle.io/modeldeployment", "md-pdb");
        Cluster.assertControlledBy(pdb, md("md-pdb"));
        Deployment d = servingDeployment(client, "md-pdb");
        var spread = d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
        assertThat(spread)
                .singleElement()
                .satisfies(
                        t -> {
                            assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                            assertThat(t.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
                            assertThat(t.getLabelSelector().getMatchLabels())
                                    .isEqualTo(d.getSpec().getSelector().getMatchLabels());
                        });

        Cluster.edit(
                client,
                ModelDeployment.class,
                "md-pdb",
                m -> {
                    m.getSpec().replicas = 1;
                    return m;
                });
        await().alias("PDB md-pdb deleted after replicas dropped to 1")
                .atMost(TIMEOUT)
                .until(() -> pdb("md-pdb") == null);
    }

    @Test
    void minAboveMaxIsInvalidNamingTheFieldAndServingKeepsItsLastGoodSettings() {
        version(client, "m-bad", 1, true);
        ModelDeployment md = deployment("md-bad", "m-bad");
        md.getSpec().autoscaling = cpu(2, 4);
        client.resource(md).create();
        awaitUntil("HPA md-bad", () -> hpa("md-bad"), h -> true);
        scaleDeployment("md-bad", 3);
        Deployment before =
                awaitUntil(
                        "md-bad at the autoscaler's 3",
                        () -> servingDeployment(client, "md-bad"),
                        x -> x.getSpec().getReplicas() == 3);

        Cluster.edit(
                client,
                ModelDeployment.class,
                "md-bad",
                m -> {
                    m.getSpec().autoscaling.minReplicas = 9;
                    return m;
                });
        ModelDeployment bad =
                awaitUntil(
                        "InvalidSpec on md-bad",
                        () -> md("md-bad"),
                        m ->
                                m.getStatus() != null
                                        && Cluster.conditionIs(
                                                m.getStatus(), "InvalidSpec", "True"));
        assertCondition(bad.getStatus(), "InvalidSpec", "True", "InvalidSpec")
                .isEqualTo(
                        "spec.autoscaling.minReplicas 9 must be from 1 to"
                                + " spec.autoscaling.maxReplicas (4)");
        Deployment after = servingDeployment(client, "md-bad");
        assertThat(after.getSpec()).isEqualTo(before.getSpec());
        assertThat(hpa("md-bad").getSpec().getMinReplicas()).isEqualTo(2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void kedaGetsAScaledObjectThatGoesWhenTheDeploymentSwitchesToAnHpa() {
        var scaledObjects =
                client.genericKubernetesResources(
                                new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext
                                                .Builder()
                                        .withGroup("keda.sh")
                                        .withVersion("v1alpha1")
                                        .withKind("ScaledObject")
                                        .withPlural("scaledobjects")
                                        .withNamespaced(true)
                                        .build())
                        .inNamespace(NS);
        version(client, "m-keda", 1, true);
        ModelDeployment md = deployment("md-keda", "m-keda");
        md.getSpec().autoscaling = cpu(1, 3);
        md.getSpec().autoscaling.targetCPUUtilizationPercentage = null;
        md.getSpec().autoscaling.targetRequestsPerSecond = 20;
        md.getSpec().autoscaling.autoscaler =
                io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaler.keda;
        md.getSpec().autoscaling.prometheusUrl = "http://prometheus.monitoring:9090";
        client.resource(md).create();

        var so =
                awaitUntil(
                        "ScaledObject md-keda",
                        () -> scaledObjects.withName("md-keda").get(),
                        x -> true);
        var spec = (java.util.Map<String, Object>) so.getAdditionalProperties().get("spec");
        assertThat(spec).containsEntry("maxReplicaCount", 3);
        assertThat(hpa("md-keda")).isNull();
        awaitUntil(
                "status.autoscaler ScaledObject/md-keda",
                () -> md("md-keda"),
                m ->
                        m.getStatus() != null
                                && "ScaledObject/md-keda".equals(m.getStatus().autoscaler));

        Cluster.edit(
                client,
                ModelDeployment.class,
                "md-keda",
                m -> {
                    m.getSpec().autoscaling.autoscaler =
                            io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Autoscaler
                                    .hpa;
                    return m;
                });
        awaitUntil("HPA md-keda", () -> hpa("md-keda"), h -> true);
        await().alias("ScaledObject md-keda deleted after the switch to hpa")
                .atMost(TIMEOUT)
                .until(() -> scaledObjects.withName("md-keda").get() == null);
    }

    @Test
    void aCanaryBesideAnAutoscaledStableKeepsItsShareAsTheStableScales() {
        version(client, "m-share", 1, true);
        ModelDeployment md = deployment("md-share", "m-share");
        md.getSpec().autoscaling = cpu(2, 20);
        md.getSpec().rollback = ModelDeployments.precisionAnalysis("http://127.0.0.1:1", "1m", 3);
        md.getSpec().rollout =
                new io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Rollout();
        md.getSpec().rollout.canary =
                new io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.Canary();
        md.getSpec().rollout.canary.weight = 25;
        md.getSpec().rollout.canary.stepInterval = "10m";
        client.resource(md).create();
        awaitUntil(
                "md-share serving version 1",
                () -> servingDeployment(client, "md-share"),
                x -> serveTask(x).version() == 1);
        scaleDeployment("md-share", 6);

        version(client, "m-share", 2, true);
        // 25 % beside the autoscaler's 6 stable pods: 2 canary pods, the stable count untouched
        Deployment canary =
                awaitUntil(
                        "canary md-share-canary with 2 pods",
                        () -> servingDeployment(client, "md-share-canary"),
                        x -> x.getSpec().getReplicas() == 2);
        assertThat(serveTask(canary).version()).isEqualTo(2);
        Deployment stable = servingDeployment(client, "md-share");
        assertThat(serveTask(stable).version()).isEqualTo(1);
        assertThat(stable.getSpec().getReplicas()).isEqualTo(6);

        scaleDeployment("md-share", 12);
        awaitUntil(
                "canary md-share-canary following the stable to 12: 4 pods",
                () -> servingDeployment(client, "md-share-canary"),
                x -> x.getSpec().getReplicas() == 4);
        assertThat(servingDeployment(client, "md-share").getSpec().getReplicas()).isEqualTo(12);
    }
}
