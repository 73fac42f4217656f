package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.CanaryPhase;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Phase;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.sequentialCanary;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveVersionOne;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static org.assertj.core.api.Assertions.assertThat;

/** A sequential canary's alpha as the reconcile meets it: bad input keeps the served version. */
@MockApiTier
@QuarkusTest
class ModelDeploymentCanarySequentialTest {

    private static final String NAME = "md-canary-alpha";
    private static final String MODEL = "m-canary-alpha";

    @Inject KubernetesClient client;

    private ModelDeployment setAlpha(double alpha) {
        return Cluster.edit(
                client,
                ModelDeployment.class,
                NAME,
                m -> {
                    m.getSpec().rollout.canary.alpha = alpha;
                    return m;
                });
    }

    /** Waits for the InvalidSpec condition of the spec's generation with this message. */
    private ModelDeployment awaitInvalid(long generation, String message) {
        return Cluster.awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                TIMEOUT,
                m ->
                        Cluster.condition(m.getStatus(), "InvalidSpec")
                                .filter(c -> "True".equals(c.getStatus()))
                                .filter(
                                        c ->
                                                Long.valueOf(generation)
                                                        .equals(c.getObservedGeneration()))
                                .filter(c -> message.equals(c.getMessage()))
                                .isPresent());
    }

    @Test
    void anAlphaOutsideTheOpenIntervalIsAnInvalidSpecNamingTheFieldAndTheServedVersionStays() {
        ModelDeployment md = deployment(NAME, MODEL);
        sequentialCanary(md.getSpec(), "http://127.0.0.1:9", 50, Duration.ofSeconds(2));
        serveVersionOne(client, md, TIMEOUT);

        long generation = setAlpha(0.7).getMetadata().getGeneration();
        ModelDeployment invalid =
                awaitInvalid(generation, "spec.rollout.canary.alpha 0.7 is not in (0, 0.5)");
        assertThat(invalid.getStatus().phase).isEqualTo(Phase.Failed);
        assertCondition(invalid.getStatus(), "Ready", "False", "InvalidSpec")
                .contains("spec.rollout.canary.alpha");
        awaitEvent(client, NAME, "InvalidSpec");

        // a new version while the spec is invalid: no canary, the stable keeps version 1
        version(client, MODEL, 2, true);
        generation = setAlpha(0.0).getMetadata().getGeneration();
        ModelDeployment still =
                awaitInvalid(generation, "spec.rollout.canary.alpha 0.0 is not in (0, 0.5)");
        assertThat(still.getStatus().currentVersion).isEqualTo(1);
        assertThat(still.getStatus().canary).isNull();
        assertThat(serveTask(servingDeployment(client, NAME)).version()).isEqualTo(1);
        assertThat(servingDeployment(client, NAME + "-canary")).isNull();

        // corrected: version 2 starts as a canary beside the stable version 1
        setAlpha(0.05);
        ModelDeployment canary =
                Cluster.awaitResource(
                        client,
                        ModelDeployment.class,
                        NAME,
                        TIMEOUT,
                        m ->
                                m.getStatus() != null
                                        && m.getStatus().canary != null
                                        && m.getStatus().canary.phase == CanaryPhase.Progressing);
        assertThat(canary.getStatus().canary.version).isEqualTo(2);
        assertThat(canary.getStatus().canary.stableVersion).isEqualTo(1);
        assertThat(serveTask(servingDeployment(client, NAME)).version()).isEqualTo(1);
    }
}
