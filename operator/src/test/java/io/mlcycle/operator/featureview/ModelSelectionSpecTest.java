package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.task.PivotTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** spec.pivot.select: checked naming the field, its columns and margin carried into the task. */
@UnitTier
class ModelSelectionSpecTest {

    private static final LocalDate AS_OF = LocalDate.of(2026, 11, 20);

    @Test
    void theTaskCarriesTheDecidedColumnsTheMarginAndTheRankedVersionsInItsOnlineBlock() {
        FeatureView fv = Fixtures.selectingView("events", "2026-11-20", "churn");
        fv.getSpec().pivot.select.margin = 5;

        PivotTask.Ranking ranking =
                new PivotTask.Ranking(
                        50, List.of(new PivotTask.RankedModel("churn v1", "s3://m/churn/v1/")));

        PivotTask.Online online = PivotTasks.task(fv, AS_OF, List.of("a", "b"), ranking).online();

        assertThat(online.narrowed()).isTrue();
        assertThat(online.columns()).containsExactly("a", "b");
        assertThat(online.margin()).isEqualTo(5);
        assertThat(online.ranking()).isEqualTo(ranking);
    }

    @Test
    void withoutDecidedColumnsEveryColumnIsWrittenAndNoMarginOrRankingApplies() {
        FeatureView fv = Fixtures.selectingView("events", "2026-11-20", "churn");
        fv.getSpec().pivot.select.margin = 5;

        PivotTask.Online online =
                PivotTasks.task(fv, AS_OF, null, new PivotTask.Ranking(50, List.of())).online();

        assertThat(online.narrowed()).isFalse();
        assertThat(online.margin()).isZero();
        assertThat(online.ranking()).isNull();
    }

    @Test
    void applyToBothIsRefusedAsNotBuiltNamingTheField() {
        FeatureView fv = Fixtures.selectingView("events", "2026-11-20", "churn");
        fv.getSpec().pivot.select.applyTo = ModelSelection.ApplyTo.both;

        assertThat(PivotTasks.invalid(fv.getSpec()))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .contains("spec.pivot.select.applyTo")
                                        .contains("not built"));
    }

    @Test
    void aSelectionWithoutAnOnlineStoreOrModelsIsRefusedNamingTheField() {
        FeatureView noOnline = Fixtures.selectingView("events", "2026-11-20", "churn");
        noOnline.getSpec().online = null;
        FeatureView noModels = Fixtures.selectingView("events", "2026-11-20");
        FeatureView negative = Fixtures.selectingView("events", "2026-11-20", "churn");
        negative.getSpec().pivot.select.margin = -1;

        assertThat(PivotTasks.invalid(noOnline.getSpec()))
                .hasValueSatisfying(m -> assertThat(m).contains("spec.online"));
        assertThat(PivotTasks.invalid(noModels.getSpec()))
                .hasValueSatisfying(m -> assertThat(m).contains("spec.pivot.select.fromModels"));
        assertThat(PivotTasks.invalid(negative.getSpec()))
                .hasValueSatisfying(m -> assertThat(m).contains("spec.pivot.select.margin"));
    }
}
