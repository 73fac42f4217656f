package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.task.PivotTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.schema;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.shares;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.edit;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * spec.pivot.select on the mock API server: the named models' approved versions decide the pivot
 * task's online columns; a model that is missing or unapproved leaves every column, with a
 * condition and an Event; approving a version requeues the view and the next materialization writes
 * its features.
 */
@MockApiTier
@QuarkusTest
class FeatureViewModelSelectionTest {

    @Inject KubernetesClient client;

    @Test
    void anApprovedVersionNarrowsTheTasksOnlineColumnsToItsFeatures() {
        version(
                client,
                "sel-churn",
                1,
                true,
                schema("fv-sel", shares("fv-sel/a", 0.6, "fv-sel/b", 0.3, "other/x", 0.1)));
        version(client, "sel-churn", 2, false, schema("fv-sel", shares("fv-sel/z", 1.0)));
        client.resource(Fixtures.selectingView("fv-sel", "2026-11-18", "sel-churn")).create();

        Job job = awaitJob(client, "fv-sel-pivot-20261118-1");
        PivotTask.Online online = ((PivotTask) Kubelet.task(job)).online();
        assertThat(online.columns()).containsExactly("a", "b");
        assertThat(online.margin()).isZero();
        // the version records 3 features, topK is 50: the pod reads its full ranking
        assertThat(online.ranking().topK()).isEqualTo(50);
        assertThat(online.ranking().models())
                .containsExactly(
                        new PivotTask.RankedModel(
                                "sel-churn v1", "file:///data/models/sel-churn/v1/"));

        FeatureView fv =
                awaitCondition(client, FeatureView.class, "fv-sel", "SelectionNarrowed", "True");
        assertCondition(fv.getStatus(), "SelectionNarrowed", "True", "Narrowed")
                .contains("2 columns")
                .contains("sel-churn v1")
                .contains("full ranking");
        FeatureViewStatus.Selection selection = fv.getStatus().selection;
        assertThat(selection.columns).isEqualTo(2);
        assertThat(selection.models).containsExactly("sel-churn v1");
        awaitEvent(client, "fv-sel", "Narrowed");
    }

    @Test
    void aMissingModelLeavesEveryColumnWithAConditionNamingItUntilAVersionIsApproved() {
        client.resource(Fixtures.selectingView("fv-sel-late", "2026-11-18", "sel-late")).create();

        Job job = awaitJob(client, "fv-sel-late-pivot-20261118-1");
        assertThat(((PivotTask) Kubelet.task(job)).online().columns()).isNull();
        FeatureView fv =
                awaitCondition(
                        client, FeatureView.class, "fv-sel-late", "SelectionNarrowed", "False");
        assertCondition(fv.getStatus(), "SelectionNarrowed", "False", "ModelNotFound")
                .contains("sel-late")
                .contains("every column");
        assertThat(fv.getStatus().selection).isNull();
        awaitEvent(client, "fv-sel-late", "ModelNotFound");

        // a ModelVersion event requeues the view: its condition now says why again
        version(client, "sel-late", 1, false, schema("fv-sel-late", shares("fv-sel-late/a", 1.0)));
        awaitEvent(client, "fv-sel-late", "NoApprovedVersion");

        version(client, "sel-late", 2, true, schema("fv-sel-late", shares("fv-sel-late/q", 1.0)));
        fv = awaitCondition(client, FeatureView.class, "fv-sel-late", "SelectionNarrowed", "True");
        assertThat(fv.getStatus().selection.models).containsExactly("sel-late v2");

        // the next materialization (here: of a new as-of) writes that version's features
        edit(
                client,
                FeatureView.class,
                "fv-sel-late",
                v -> {
                    v.getSpec().asOf = "2026-11-19";
                    return v;
                });
        Job next = awaitJob(client, "fv-sel-late-pivot-20261119-1");
        assertThat(((PivotTask) Kubelet.task(next)).online().columns()).containsExactly("q");
    }
}
