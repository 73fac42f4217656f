package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class CandidateTableTest {

    @Test
    void autosCandidatesAndTheBudgetReachTheModelVersion() {
        Summary s =
                Summary.succeeded(
                        "file:///m/v1/",
                        Map.of("auc", 0.9),
                        Map.of(
                                "algorithm",
                                "xgboost",
                                "selectionMetric",
                                "auc",
                                "search",
                                Map.of("method", "grid", "budgetExhausted", true),
                                "candidates",
                                List.of(
                                        Map.of(
                                                "algorithm",
                                                "logistic",
                                                "trials",
                                                1,
                                                "auc",
                                                0.81,
                                                "seconds",
                                                1.5,
                                                "status",
                                                "Succeeded",
                                                "chosen",
                                                false),
                                        Map.of(
                                                "algorithm",
                                                "xgboost",
                                                "trials",
                                                1,
                                                "auc",
                                                0.9,
                                                "standardError",
                                                0.004,
                                                "seconds",
                                                6.0,
                                                "status",
                                                "Succeeded",
                                                "chosen",
                                                true,
                                                "reason",
                                                "xgboost: the best mean, 0.9000 ± 0.0040"),
                                        Map.of(
                                                "algorithm",
                                                "resnet",
                                                "trials",
                                                0,
                                                "seconds",
                                                0.0,
                                                "status",
                                                "SkippedByBudget",
                                                "chosen",
                                                false))));

        List<ModelVersionSpec.Candidate> table = TrainingRecorder.candidates(s);

        assertThat(table)
                .extracting(c -> c.algorithm)
                .containsExactly("logistic", "xgboost", "resnet");
        assertThat(table).extracting(c -> c.metric).containsExactly(0.81, 0.9, null);
        assertThat(table)
                .extracting(c -> c.status)
                .containsExactly("Succeeded", "Succeeded", "SkippedByBudget");
        assertThat(table).extracting(c -> c.chosen).containsExactly(false, true, false);
        // the mean's standard error and the winner's reason reach the ModelVersion too
        assertThat(table).extracting(c -> c.standardError).containsExactly(null, 0.004, null);
        assertThat(table.get(1).reason).startsWith("xgboost: the best mean");
        assertThat(TrainingRecorder.budgetExhausted(s)).isTrue();
    }

    @Test
    void theEnsemblesMembersAndWeightsReachTheModelVersion() {
        Summary s =
                autoSummary(
                        "ensemble",
                        List.of(
                                Map.of("algorithm", "logistic", "auc", 0.88),
                                Map.of(
                                        "algorithm",
                                        "ensemble",
                                        "auc",
                                        0.91,
                                        "chosen",
                                        true,
                                        "members",
                                        List.of(
                                                Map.of("algorithm", "logistic", "weight", 0.4),
                                                Map.of("algorithm", "xgboost", "weight", 0.6)))));

        List<ModelVersionSpec.Candidate> table = TrainingRecorder.candidates(s);

        assertThat(table.get(0).members).isNull();
        assertThat(table.get(1).members)
                .extracting(m -> m.algorithm)
                .containsExactly("logistic", "xgboost");
        assertThat(table.get(1).members).extracting(m -> m.weight).containsExactly(0.4, 0.6);
    }

    private static Summary autoSummary(String algorithm, List<Map<String, Object>> candidates) {
        return Summary.succeeded(
                "file:///m/v1/",
                Map.of("auc", 0.9),
                Map.of("algorithm", algorithm, "selectionMetric", "auc", "candidates", candidates));
    }

    @Test
    void aSingleAlgorithmRunHasNoCandidateTable() {
        Summary s =
                Summary.succeeded(
                        "file:///m/v1/", Map.of("auc", 0.9), Map.of("algorithm", "logistic"));
        assertThat(TrainingRecorder.candidates(s)).isNull();
        assertThat(TrainingRecorder.budgetExhausted(s)).isNull();
    }
}
