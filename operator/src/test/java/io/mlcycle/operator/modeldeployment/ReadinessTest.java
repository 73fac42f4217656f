package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ReadinessTest {

    private static final Instant NOW = Instant.parse("2026-11-24T06:00:00Z");

    private static ModelDeployment md(int replicas) {
        ModelDeployment md = new ModelDeployment();
        md.setMetadata(new ObjectMetaBuilder().withName("md").withNamespace("ns").build());
        md.setSpec(new ModelDeploymentSpec());
        md.getSpec().model = "m";
        md.getSpec().replicas = replicas;
        return md;
    }

    private static Deployment deployment(long generation, long observed, int updated, int ready) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName("md")
                .withGeneration(generation)
                .endMetadata()
                .withStatus(
                        new DeploymentStatusBuilder()
                                .withObservedGeneration(observed)
                                .withUpdatedReplicas(updated)
                                .withReadyReplicas(ready)
                                .build())
                .build();
    }

    private static ModelDeploymentStatus map(ModelDeployment md, Deployment d) {
        ModelDeploymentStatus s = new ModelDeploymentStatus();
        s.currentVersion = 2;
        Readiness.set(md, s, d, 1L, NOW);
        return s;
    }

    @Test
    void everyPodUpdatedAndReadyIsAvailable() {
        ModelDeploymentStatus s = map(md(2), deployment(3, 3, 2, 2));
        assertThat(s.phase).isEqualTo(Phase.Available);
        assertThat(s.readyReplicas).isEqualTo(2);
        assertThat(Conditions.isTrue(s, "Available")).isTrue();
        assertThat(Conditions.isTrue(s, "Ready")).isTrue();
        assertThat(Conditions.isTrue(s, "Progressing")).isFalse();
    }

    @Test
    void oldPodsServingWhileTheNewVersionRollsOutIsAvailableButProgressing() {
        ModelDeploymentStatus s = map(md(2), deployment(4, 4, 1, 2));
        assertThat(s.phase).isEqualTo(Phase.Progressing);
        assertThat(Conditions.isTrue(s, "Available")).isTrue();
        assertThat(Conditions.isTrue(s, "Progressing")).isTrue();
        assertThat(Conditions.find(s.conditions, "Progressing").get().getMessage())
                .contains("1 of 2 pods updated to version 2");
    }

    @Test
    void aTemplateTheDeploymentControllerHasNotSeenIsProgressing() {
        ModelDeploymentStatus s = map(md(1), deployment(5, 4, 1, 1));
        assertThat(s.phase).isEqualTo(Phase.Progressing);
    }

    @Test
    void aRolloutPastItsDeadlineIsDegradedWithTheReason() {
        Deployment d = deployment(2, 2, 1, 0);
        d.getStatus()
                .setConditions(
                        java.util.List.of(
                                new DeploymentConditionBuilder()
                                        .withType("Progressing")
                                        .withStatus("False")
                                        .withReason("ProgressDeadlineExceeded")
                                        .withMessage("ReplicaSet md-abc has timed out progressing.")
                                        .build()));
        ModelDeploymentStatus s = map(md(1), d);
        assertThat(s.phase).isEqualTo(Phase.Degraded);
        assertThat(Conditions.find(s.conditions, "Degraded").get().getReason())
                .isEqualTo("ProgressDeadlineExceeded");
    }

    @Test
    void aVersionIsJudgedOnlyOnceNoPodOfAnOlderTemplateServesBesideItsOwn() {
        Deployment rolling = deployment(4, 4, 1, 1);
        // one new pod created beside the old one, which is the ready one
        rolling.getStatus().setReplicas(2);
        assertThat(Readiness.servesCurrentTemplate(rolling)).isFalse();
        rolling.getStatus().setReplicas(1);
        assertThat(Readiness.servesCurrentTemplate(rolling)).isTrue();

        Deployment notSeen = deployment(5, 4, 1, 1);
        notSeen.getStatus().setReplicas(1);
        assertThat(Readiness.servesCurrentTemplate(notSeen))
                .as("the controller has not seen the new template yet")
                .isFalse();
        Deployment noneReady = deployment(4, 4, 1, 0);
        noneReady.getStatus().setReplicas(1);
        assertThat(Readiness.servesCurrentTemplate(noneReady)).isFalse();
        assertThat(Readiness.servesCurrentTemplate(null)).isFalse();
    }
}
