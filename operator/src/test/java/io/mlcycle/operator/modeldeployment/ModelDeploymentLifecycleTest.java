package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.conditionIs;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
@QuarkusTest
class ModelDeploymentLifecycleTest {

    @Inject KubernetesClient client;

    private ModelDeployment awaitStatus(
            String name, java.util.function.Predicate<ModelDeployment> until) {
        return awaitResource(
                client,
                ModelDeployment.class,
                name,
                md -> md.getStatus() != null && until.test(md));
    }

    private Deployment awaitServing(String name, int version) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> servingDeployment(client, name),
                        d -> d != null && serveTask(d).version() == version);
    }

    @Test
    void servesTheLatestApprovedVersionWithDeploymentAndService() {
        version(client, "m-serve", 1, true);
        version(client, "m-serve", 2, true);
        version(client, "m-serve", 3, false);
        ModelDeployment md = deployment("md-serve", "m-serve");
        md.getSpec().replicas = 2;
        md.getSpec().limits.maxRowsPerRequest = 50;
        md.getSpec().pod = new io.mlcycle.operator.api.PodOverrides();
        md.getSpec().pod.nodeSelector = Map.of("pool", "inference");
        md.getSpec().pod.priorityClassName = "serving-high";
        md.getSpec().pod.labels = Map.of("team", "growth", "mlcycle.io/modeldeployment", "x");
        md.getSpec().pod.annotations = Map.of("sidecar.istio.io/inject", "false");
        md.getSpec().pod.tolerations =
                List.of(
                        new io.fabric8.kubernetes.api.model.TolerationBuilder()
                                .withKey("gpu")
                                .withOperator("Exists")
                                .withEffect("NoSchedule")
                                .build());
        md.getSpec().pod.imagePullSecrets =
                List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference("registry"));
        client.resource(md).create();

        Deployment d = awaitServing("md-serve", 2);
        ServeTask task = serveTask(d);
        assertThat(task.artifactUri()).isEqualTo("file:///data/models/m-serve/v2/");
        assertThat(task.port()).isEqualTo(8080);
        assertThat(task.deployment()).isEqualTo("md-serve");
        assertThat(task.model()).isEqualTo("m-serve");
        assertThat(task.maxRowsPerRequest()).isEqualTo(50);
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
                .isZero();
        assertThat(d.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("ModelDeployment"));
        var template = d.getSpec().getTemplate();
        assertThat(template.getMetadata().getLabels())
                .containsEntry("mlcycle.io/model-version", "2")
                .containsEntry("mlcycle.io/modeldeployment", "md-serve");
        assertThat(d.getSpec().getSelector().getMatchLabels())
                .doesNotContainKey("mlcycle.io/model-version");
        assertThat(template.getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "8080")
                .containsEntry("prometheus.io/path", "/metrics");
        assertThat(template.getSpec().getRestartPolicy()).isEqualTo("Always");
        // spec.pod: placement and metadata; the operator's own labels win a clash
        assertThat(template.getSpec().getNodeSelector()).containsEntry("pool", "inference");
        assertThat(template.getSpec().getPriorityClassName()).isEqualTo("serving-high");
        assertThat(template.getSpec().getTolerations()).extracting("key").containsExactly("gpu");
        assertThat(template.getSpec().getImagePullSecrets())
                .extracting("name")
                .containsExactly("registry");
        assertThat(template.getMetadata().getLabels())
                .containsEntry("team", "growth")
                .containsEntry("mlcycle.io/modeldeployment", "md-serve");
        assertThat(template.getMetadata().getAnnotations())
                .containsEntry("sidecar.istio.io/inject", "false");
        Container c = template.getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("mlcycle/server:0.1.0");
        assertThat(c.getPorts())
                .extracting(p -> p.getName() + ":" + p.getContainerPort())
                .containsExactly("http:8080", "grpc:8081");
        assertThat(c.getEnv())
                .anyMatch(
                        e ->
                                e.getName().equals("MLCYCLE_GRPC_PORT")
                                        && e.getValue().equals("8081"));
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
        assertThat(template.getSpec().getVolumes())
                .filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .singleElement()
                .satisfies(
                        v ->
                                assertThat(v.getPersistentVolumeClaim().getClaimName())
                                        .isEqualTo("mlcycle-data"));
        assertThat(template.getSpec().getVolumes())
                .filteredOn(v -> v.getEmptyDir() != null)
                .singleElement()
                .satisfies(
                        scratch ->
                                assertThat(c.getVolumeMounts())
                                        .anyMatch(
                                                m ->
                                                        m.getName().equals(scratch.getName())
                                                                && m.getMountPath()
                                                                        .equals("/tmp")));

        Service svc =
                await().atMost(TIMEOUT)
                        .until(
                                () -> client.services().inNamespace(NS).withName("md-serve").get(),
                                s -> s != null);
        assertThat(svc.getSpec().getSelector())
                .isEqualTo(d.getSpec().getSelector().getMatchLabels());
        assertThat(svc.getSpec().getPorts())
                .extracting(
                        p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getStrVal())
                .containsExactly("http:80->http", "grpc:8081->grpc");

        ModelDeployment progressing =
                awaitStatus("md-serve", m -> m.getStatus().currentVersion != null);
        assertThat(progressing.getStatus().phase).isEqualTo(Phase.Progressing);
        assertThat(progressing.getStatus().currentVersion).isEqualTo(2);
        assertThat(progressing.getStatus().modelVersion).isEqualTo("m-serve-v2");
        assertThat(progressing.getStatus().url)
                .isEqualTo("http://md-serve." + NS + ".svc/v2/models/m-serve");
        assertThat(conditionIs(progressing.getStatus(), "Available", "False")).isTrue();

        markReady(client, "md-serve");
        ModelDeployment available =
                awaitStatus("md-serve", m -> m.getStatus().phase == Phase.Available);
        assertThat(available.getStatus().readyReplicas).isEqualTo(2);
        assertThat(available.getStatus().replicas).isEqualTo(2);
        assertThat(conditionIs(available.getStatus(), "Available", "True")).isTrue();
        assertThat(conditionIs(available.getStatus(), "Ready", "True")).isTrue();
        assertThat(conditionIs(available.getStatus(), "Progressing", "False")).isTrue();
        assertThat(hasEvent(client, "md-serve", "Deployed")).isTrue();
    }

    @Test
    void aNewlyApprovedVersionRollsTheDeploymentAndKeepsThePreviousInStatus() {
        version(client, "m-roll", 1, true);
        client.resource(deployment("md-roll", "m-roll")).create();
        awaitServing("md-roll", 1);
        markReady(client, "md-roll");
        awaitStatus("md-roll", m -> m.getStatus().phase == Phase.Available);

        version(client, "m-roll", 2, true);

        Deployment d = awaitServing("md-roll", 2);
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("mlcycle.io/model-version", "2");
        ModelDeployment md =
                awaitStatus(
                        "md-roll", m -> Integer.valueOf(2).equals(m.getStatus().currentVersion));
        assertThat(md.getStatus().previousVersion).isEqualTo(1);
        assertThat(md.getStatus().modelVersion).isEqualTo("m-roll-v2");
        await().atMost(TIMEOUT).until(() -> hasEvent(client, "md-roll", "VersionChanged"));
    }

    @Test
    void withoutAnApprovedVersionItIsPendingAndSaysWhy() {
        version(client, "m-none", 1, false);
        client.resource(deployment("md-none", "m-none")).create();

        ModelDeployment md = awaitStatus("md-none", m -> m.getStatus().phase != null);
        assertThat(md.getStatus().phase).isEqualTo(Phase.Pending);
        assertCondition(md.getStatus(), "Available", "False", "NoApprovedVersion")
                .contains("m-none");
        assertThat(servingDeployment(client, "md-none")).isNull();

        version(client, "m-none", 2, true);
        awaitServing("md-none", 2);
    }

    @Test
    void latestApprovedSkipsRolledBackVersionsAndAPinnedVersionIsServedAsIs() {
        version(client, "m-skip", 1, true);
        ModelVersion v2 = version(client, "m-skip", 2, true);
        Cluster.edit(
                client,
                ModelVersion.class,
                v2.getMetadata().getName(),
                mv -> {
                    mv.getMetadata()
                            .setAnnotations(
                                    Map.of(ModelVersion.ROLLED_BACK_ANNOTATION, "by a test"));
                    return mv;
                });
        client.resource(deployment("md-skip", "m-skip")).create();
        awaitServing("md-skip", 1);

        ModelDeployment pinned = deployment("md-pin", "m-skip");
        pinned.getSpec().version = "1";
        client.resource(pinned).create();
        awaitServing("md-pin", 1);
    }

    @Test
    void aRollbackWhoseStatusWriteWasLostIsRecordedFromTheVersionsMark() {
        version(client, "m-lost", 1, true);
        client.resource(deployment("md-lost", "m-lost")).create();
        awaitServing("md-lost", 1);
        markReady(client, "md-lost");
        awaitStatus("md-lost", m -> m.getStatus().phase == Phase.Available);
        ModelVersion v2 = version(client, "m-lost", 2, true);
        awaitServing("md-lost", 2);
        markReady(client, "md-lost");
        awaitStatus("md-lost", m -> Integer.valueOf(2).equals(m.getStatus().currentVersion));

        // what an operator that stopped right after deciding the rollback leaves: v2 marked by
        // this deployment, the status never written
        Cluster.edit(
                client,
                ModelVersion.class,
                v2.getMetadata().getName(),
                mv -> {
                    mv.getMetadata()
                            .setAnnotations(
                                    Map.of(
                                            ModelVersion.ROLLED_BACK_ANNOTATION,
                                            "md-lost: precision = 0.100 is below min 0.5"));
                    return mv;
                });

        awaitServing("md-lost", 1);
        ModelDeployment md =
                awaitStatus(
                        "md-lost",
                        m ->
                                Integer.valueOf(1).equals(m.getStatus().currentVersion)
                                        && !m.getStatus().rollbacks.isEmpty());
        assertThat(md.getStatus().rollbacks).hasSize(1);
        assertThat(md.getStatus().rollbacks.get(0).fromVersion).isEqualTo(2);
        assertThat(md.getStatus().rollbacks.get(0).toVersion).isEqualTo(1);
        assertThat(md.getStatus().rollbacks.get(0).message)
                .isEqualTo("rolled back from version 2 to 1: precision = 0.100 is below min 0.5");
        assertCondition(md.getStatus(), "RolledBack", "True", "RolledBack").contains("0.100");
        assertThat(md.getStatus().previousVersion).isEqualTo(2);
    }

    @Test
    void aVersionMarkedByAnotherDeploymentIsNoRollbackOfThisOne() {
        version(client, "m-other", 1, true);
        client.resource(deployment("md-other", "m-other")).create();
        awaitServing("md-other", 1);
        ModelVersion v2 = version(client, "m-other", 2, true);
        awaitServing("md-other", 2);
        awaitStatus("md-other", m -> Integer.valueOf(2).equals(m.getStatus().currentVersion));

        Cluster.edit(
                client,
                ModelVersion.class,
                v2.getMetadata().getName(),
                mv -> {
                    mv.getMetadata()
                            .setAnnotations(
                                    Map.of(ModelVersion.ROLLED_BACK_ANNOTATION, "md-else: bad"));
                    return mv;
                });

        awaitServing("md-other", 1);
        ModelDeployment md =
                awaitStatus(
                        "md-other", m -> Integer.valueOf(1).equals(m.getStatus().currentVersion));
        assertThat(md.getStatus().rollbacks).isEmpty();
    }
}
