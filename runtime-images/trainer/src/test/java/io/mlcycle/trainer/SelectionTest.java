package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class SelectionTest {

    private static final List<String> AUTO = List.of("logistic", "xgboost", "resnet");

    @TempDir Path root;

    @Test
    void theSimplerCandidateWinsWhenItIsWithinOneStandardErrorOfTheBest() {
        Selection.Choice c =
                Selection.oneStandardError(
                        AUTO,
                        new double[] {0.990, 0.995, 0.980},
                        new double[] {0.004, 0.006, 0.01},
                        true);
        assertThat(c.index()).isZero();
        assertThat(c.reason())
                .contains("logistic", "within one standard error", "xgboost", "0.9950");
    }

    @Test
    void theBestWinsWhenEverySimplerCandidateIsMoreThanOneStandardErrorBelow() {
        Selection.Choice c =
                Selection.oneStandardError(
                        AUTO,
                        new double[] {0.970, 0.995, 0.990},
                        new double[] {0.002, 0.002, 0.002},
                        true);
        assertThat(c.index()).isEqualTo(1);
        assertThat(c.reason()).contains("xgboost: the best mean, 0.9950 ± 0.0020");
        Selection.Choice simplest =
                Selection.oneStandardError(
                        AUTO, new double[] {0.99, 0.98, 0.97}, new double[] {0.001, 0, 0}, true);
        assertThat(simplest.index()).isZero();
        assertThat(simplest.reason()).endsWith("and the simplest candidate");
    }

    @Test
    void lowerIsBetterMetricsAndNonFiniteMeansAreHandled() {
        // logLoss: lower is better; logistic 0.31 is within 0.02 of xgboost's 0.30
        assertThat(
                        Selection.oneStandardError(
                                        AUTO,
                                        new double[] {0.31, 0.30, Double.NaN},
                                        new double[] {0.01, 0.02, Double.NaN},
                                        false)
                                .index())
                .isZero();
        // a NaN mean never wins, and a missing standard error is a zero margin
        assertThat(
                        Selection.oneStandardError(
                                        AUTO,
                                        new double[] {Double.NaN, 0.8, 0.81},
                                        new double[] {Double.NaN, Double.NaN, Double.NaN},
                                        true)
                                .index())
                .isEqualTo(2);
        assertThat(
                        Selection.oneStandardError(
                                AUTO,
                                new double[] {Double.NaN, Double.NaN, Double.NaN},
                                new double[3],
                                true))
                .isNull();
    }

    @Test
    void meanAndStandardErrorLeaveOutFoldsWhoseMetricIsNotFinite() {
        double[] ms = Selection.meanAndSe(new double[] {0.8, Double.NaN, 0.9, 1.0});
        assertThat(ms[0]).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ms[1]).isCloseTo(0.1 / Math.sqrt(3), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ms[2]).isEqualTo(3);
    }

    @Test
    void smallDataIsComparedByFiveInnerFoldsAndLargeDataOnACarve() {
        int[] small = labels(2_000, 500);
        assertThat(Selection.of(Trainer.identity(small.length), small, 1).toMap())
                .containsEntry("method", "innerKFold")
                .containsEntry("folds", 5)
                .doesNotContainKey("fallback");
        int[] large = labels(Selection.SMALL_ROWS + 1, 500);
        Map<String, Object> carve = Selection.of(Trainer.identity(large.length), large, 1).toMap();
        assertThat(carve).containsEntry("method", "carve").containsKey("standardErrorBy");
    }

    @Test
    void fewerRarerClassRowsThanFoldsReduceTheFoldsAndSaySo() {
        int[] y = labels(40, 3);
        Map<String, Object> m = Selection.of(Trainer.identity(y.length), y, 1).toMap();
        assertThat(m).containsEntry("folds", 3);
        assertThat((String) m.get("fallback")).startsWith("innerFoldsReduced").contains("only 3");
    }

    @Test
    void oneRowOfAClassIsAClearErrorNotANanAuc() {
        int[] y = labels(40, 1);
        assertThatThrownBy(() -> Selection.of(Trainer.identity(y.length), y, 1))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("1 positive and 39 negative");
    }

    @Test
    void aTinyRareTableWithAConstantFeatureTrainsWithFiniteScoresAndRecordsItsFallback()
            throws Exception {
        SmallTable t = SmallTable.write(root.resolve("data"), 60, 5, 7);
        Path out = root.resolve("models/small/v1");
        Trainer.run(t.auto(out));
        JsonNode m = TaskJson.MAPPER.readTree(out.resolve("metrics.json").toFile());
        assertThat(m.get("metrics").get("auc").isNumber()).isTrue();
        assertThat(m.get("metrics").get("auc").asDouble()).isBetween(0.0, 1.0);
        JsonNode selection = m.get("selection");
        assertThat(selection.get("method").asText()).isEqualTo("innerKFold");
        assertThat(selection.get("fallback").asText()).contains("innerFoldsReduced");
        for (JsonNode c : m.get("candidates")) {
            assertThat(c.get("auc").isNumber()).as("auc of %s", c).isTrue();
            assertThat(c.get("standardError").isNumber()).as("SE of %s", c).isTrue();
        }
    }

    /** {@code n} labels, the first {@code positives} of them 1. */
    private static int[] labels(int n, int positives) {
        int[] y = new int[n];
        for (int i = 0; i < positives; i++) {
            y[i] = 1;
        }
        return y;
    }
}
