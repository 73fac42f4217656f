package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.task.PivotTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.schema;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.shares;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.trained;
import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ModelColumnsTest {

    private static ModelSelection select(Integer topK, String... models) {
        ModelSelection s = new ModelSelection();
        s.fromModels = List.of(models);
        s.topK = topK;
        return Defaults.copy(s);
    }

    private static FeatureSchema churnSchema() {
        return schema("events", shares("events/a", 0.5, "events/b", 0.3, "events/c", 0.2));
    }

    @Test
    void theUnionOfTheNamedModelsFeaturesFromThisViewIsSelected() {
        FeatureSchema other = schema("events", shares("events/d", 0.6, "profile/age", 0.4));
        other.views.add(new FeatureSchema.View("profile", 1L, "2026-11-20"));
        var d =
                ModelColumns.decide(
                        "events",
                        select(null, "churn", "upsell"),
                        List.of(
                                trained("churn", 1, true, churnSchema()),
                                trained("upsell", 2, true, other)),
                        40L);

        assertThat(d.narrowed()).isTrue();
        assertThat(d.columns()).containsExactly("a", "b", "c", "d");
        assertThat(d.reason()).isEqualTo(FeatureViewConditions.NARROWED);
        assertThat(d.versions()).containsExactly("churn v1", "upsell v2");
        assertThat(d.message())
                .contains("4 of the latest table's 40 columns")
                .contains("churn v1, upsell v2");
    }

    @Test
    void topKKeepsTheLargestShapSharesOnly() {
        FeatureSchema s =
                schema("events", shares("events/c", 0.2, "events/a", 0.5, "events/b", 0.3));
        var d =
                ModelColumns.decide(
                        "events", select(2, "churn"), List.of(trained("churn", 1, true, s)), null);

        assertThat(d.columns()).containsExactly("a", "b");
    }

    @Test
    void theLatestApprovedVersionIsReadAndARolledBackOneIsSkipped() {
        ModelVersion v1 = trained("churn", 1, true, churnSchema());
        ModelVersion v2 = trained("churn", 2, true, schema("events", shares("events/z", 1.0)));
        ModelVersion v3 = trained("churn", 3, false, schema("events", shares("events/y", 1.0)));

        assertThat(
                        ModelColumns.decide(
                                        "events", select(null, "churn"), List.of(v1, v2, v3), null)
                                .columns())
                .containsExactly("z");

        v2.getMetadata().setAnnotations(Map.of(ModelVersion.ROLLED_BACK_ANNOTATION, "md"));
        var d = ModelColumns.decide("events", select(null, "churn"), List.of(v1, v2, v3), null);
        assertThat(d.columns()).containsExactly("a", "b", "c");
        assertThat(d.versions()).containsExactly("churn v1");
    }

    @Test
    void aTopKBeyondTheFeaturesAVersionRecordsNamesItsArtifactForThePivotToReadItsFullRanking() {
        ModelVersion churn = trained("churn", 3, true, churnSchema());
        churn.getSpec().artifactUri = "s3://models/churn/v3/";
        ModelVersion upsell = trained("upsell", 1, true, churnSchema());
        upsell.getSpec().artifactUri = "s3://models/upsell/v1/";

        var d =
                ModelColumns.decide(
                        "events", select(30, "churn", "upsell"), List.of(churn, upsell), 400L);

        assertThat(d.columns()).containsExactly("a", "b", "c");
        assertThat(d.ranking().topK()).isEqualTo(30);
        assertThat(d.ranking().models())
                .containsExactly(
                        new PivotTask.RankedModel("churn v3", "s3://models/churn/v3/"),
                        new PivotTask.RankedModel("upsell v1", "s3://models/upsell/v1/"));
        assertThat(d.message())
                .contains("top 30 features by SHAP of churn v3, upsell v1")
                .contains("3 of the latest table's 400 columns")
                .contains("full ranking");
    }

    @Test
    void aTopKTheRecordedFeaturesAnswerReadsNoRanking() {
        ModelVersion churn = trained("churn", 3, true, churnSchema());
        churn.getSpec().artifactUri = "s3://models/churn/v3/";

        var d = ModelColumns.decide("events", select(3, "churn"), List.of(churn), null);

        assertThat(d.columns()).containsExactly("a", "b", "c");
        assertThat(d.ranking()).isNull();
        assertThat(d.message()).contains("3 columns: the features of churn v3");
    }

    @Test
    void aModelWithNoVersionLeavesEveryColumnAndNamesIt() {
        var d =
                ModelColumns.decide(
                        "events",
                        select(null, "churn", "ghost"),
                        List.of(trained("churn", 1, true, churnSchema())),
                        null);

        assertThat(d.narrowed()).isFalse();
        assertThat(d.columns()).isNull();
        assertThat(d.reason()).isEqualTo(FeatureViewConditions.MODEL_NOT_FOUND);
        assertThat(d.message())
                .contains("spec.pivot.select.fromModels")
                .contains("ghost")
                .contains("every column");
    }

    @Test
    void aModelWithoutAnApprovedVersionLeavesEveryColumnAndNamesIt() {
        var d =
                ModelColumns.decide(
                        "events",
                        select(null, "churn"),
                        List.of(trained("churn", 1, false, churnSchema())),
                        null);

        assertThat(d.columns()).isNull();
        assertThat(d.reason()).isEqualTo(FeatureViewConditions.NO_APPROVED_VERSION);
        assertThat(d.message()).contains("churn").contains("1 registered");
    }

    @Test
    void aModelRecordingNoFeatureOfThisViewLeavesEveryColumn() {
        var d =
                ModelColumns.decide(
                        "events",
                        select(null, "churn"),
                        List.of(
                                trained(
                                        "churn",
                                        4,
                                        true,
                                        schema("profile", shares("profile/age", 1.0)))),
                        null);

        assertThat(d.columns()).isNull();
        assertThat(d.reason()).isEqualTo(FeatureViewConditions.NO_FEATURES_FROM_VIEW);
        assertThat(d.message()).contains("churn v4").contains("FeatureView events");
    }
}
