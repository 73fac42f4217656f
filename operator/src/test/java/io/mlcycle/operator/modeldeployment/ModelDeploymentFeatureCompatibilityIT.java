package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.awaitServes;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.awaitStatus;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.schema;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.shares;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.edit;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feature compatibility as the reconciler meets it: the view's keys are renamed, a pin to a version
 * trained on the old names is refused (the served version stays), and when the served version is
 * rolled back the deployment skips the version whose features are gone for one that fits.
 */
@MockApiTier
@QuarkusTest
class ModelDeploymentFeatureCompatibilityIT {

    private static final String NAME = "md-compat";
    private static final String MODEL = "m-compat";
    private static final String VIEW = "fv-compat";

    @Inject KubernetesClient client;

    /**
     * Waits until the stable Deployment serves {@code version}, makes its pods ready and waits
     * until the deployment is Available with it (no reconcile of that change is left in flight when
     * the test edits the spec next).
     */
    private void awaitServing(int version) {
        awaitServes(client, NAME, version);
        markReady(client, NAME);
        awaitStatus(
                client,
                NAME,
                Cluster.TIMEOUT,
                s ->
                        Integer.valueOf(version).equals(s.currentVersion)
                                && s.phase == ModelDeploymentStatus.Phase.Available);
    }

    private ModelDeployment awaitChecked(int version, String compatible) {
        return awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                m ->
                        m.getStatus() != null
                                && m.getStatus().featureCoverage != null
                                && m.getStatus().featureCoverage.version == version
                                && Cluster.conditionIs(
                                        m.getStatus(),
                                        ModelDeploymentConditions.FEATURE_COMPATIBLE,
                                        compatible));
    }

    @Test
    void aVersionWhoseFeaturesAreGoneIsRefusedAndTheRollbackSkipsItForOneThatFits() {
        Fixtures.materialize(client, VIEW, "2026-11-20", List.of("kills", "deaths", "wins"));
        version(client, MODEL, 1, true, schema(VIEW, shares("fv-compat/wins", 1.0)));
        version(
                client,
                MODEL,
                2,
                true,
                schema(
                        VIEW,
                        shares(
                                "fv-compat/kills",
                                0.5,
                                "fv-compat/deaths",
                                0.2,
                                "fv-compat/wins",
                                0.3)));
        client.resource(deployment(NAME, MODEL)).create();
        awaitServing(2);
        ModelDeployment md = awaitChecked(2, "True");
        assertThat(md.getStatus().featureCoverage.coverage).isEqualTo(1.0);
        assertThat(md.getStatus().featureCoverage.threshold).isEqualTo(0.99);

        // the view's keys are renamed: its next table holds g_kills, g_deaths and wins
        Fixtures.materialize(client, VIEW, "2026-11-21", List.of("g_kills", "g_deaths", "wins"));
        version(
                client,
                MODEL,
                3,
                true,
                schema(VIEW, shares("fv-compat/g_kills", 0.9, "fv-compat/g_deaths", 0.1)));
        awaitServing(3);
        // the pin below is judged against the renamed table only once the operator checked v3 on it
        awaitStatus(
                client,
                NAME,
                Cluster.TIMEOUT,
                s ->
                        s.featureCoverage != null
                                && Integer.valueOf(3).equals(s.featureCoverage.version)
                                && s.featureCoverage.tables.contains("fv-compat@2026-11-21"));

        // a pin to v2 is refused: v3 keeps serving, and status names what v2 lacks
        edit(
                client,
                ModelDeployment.class,
                NAME,
                m -> {
                    m.getSpec().version = "2";
                    return m;
                });
        md = awaitChecked(2, "False");
        assertThat(serveTask(ModelDeployments.servingDeployment(client, NAME)).version())
                .isEqualTo(3);
        assertThat(md.getStatus().featureCoverage.coverage).isEqualTo(0.3);
        assertThat(md.getStatus().featureCoverage.missing)
                .extracting(f -> f.name)
                .containsExactly("fv-compat/kills", "fv-compat/deaths");
        assertCondition(
                        md.getStatus(),
                        ModelDeploymentConditions.FEATURE_COMPATIBLE,
                        "False",
                        ModelDeploymentConditions.FEATURES_MISSING)
                .isEqualTo(
                        "refused v2: 30.0% of its SHAP mass present in fv-compat@2026-11-21"
                                + " (below 99.0%); missing fv-compat/kills (50.0%), fv-compat/deaths (20.0%);"
                                + " serving v3");

        // back to latestApproved, and v3 is rolled back: v2 does not fit, v1 does
        edit(
                client,
                ModelDeployment.class,
                NAME,
                m -> {
                    m.getSpec().version = ModelDeploymentSpec.LATEST_APPROVED;
                    return m;
                });
        edit(
                client,
                ModelVersion.class,
                MODEL + "-v3",
                mv -> {
                    Map<String, String> marks = new LinkedHashMap<>();
                    if (mv.getMetadata().getAnnotations() != null) {
                        marks.putAll(mv.getMetadata().getAnnotations());
                    }
                    marks.put(ModelVersion.ROLLED_BACK_ANNOTATION, "worse online");
                    mv.getMetadata().setAnnotations(marks);
                    return mv;
                });
        awaitServing(1);
        List<String> refusals =
                Cluster.events(client, NAME).stream()
                        .filter(
                                e ->
                                        ModelDeploymentConditions.VERSION_REFUSED.equals(
                                                e.getReason()))
                        .map(Event::getMessage)
                        .toList();
        assertThat(refusals)
                .contains(
                        "refused v2: 30.0% of its SHAP mass present in fv-compat@2026-11-21"
                                + " (below 99.0%); missing fv-compat/kills (50.0%), fv-compat/deaths (20.0%);"
                                + " serving v1; skipped v2 (30.0% of its SHAP mass present,"
                                + " below 99.0%: missing fv-compat/kills (50.0%), fv-compat/deaths (20.0%))");
        assertThat(awaitChecked(2, "False").getStatus().modelVersion).isEqualTo(MODEL + "-v1");
    }
}
