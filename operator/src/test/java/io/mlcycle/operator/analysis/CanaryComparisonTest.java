package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.AnalysisStep.Measured;
import io.mlcycle.operator.analysis.AnalysisStep.Outcome;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A canary's metric judged against the stable version's value as well as its own bounds. */
@UnitTier
class CanaryComparisonTest {

    private static final Instant NOW = Instant.parse("2026-11-24T05:00:00Z");

    private static Outcome judge(Measured m) {
        return AnalysisStep.evaluate(null, 3, List.of(m), 2, false, NOW);
    }

    private static Measured precision(double canary, QueryResult stable) {
        return new Measured("precision", 0.5, null, new QueryResult.Value(canary), stable, 0.1);
    }

    private static Measured latency(double canary, double stable) {
        return new Measured(
                "latency",
                null,
                0.5,
                new QueryResult.Value(canary),
                new QueryResult.Value(stable),
                0.1);
    }

    @Test
    void withinToleranceOfTheStableValuePasses() {
        Outcome o = judge(precision(0.75, new QueryResult.Value(0.8)));
        assertThat(o.decision()).isInstanceOf(Decision.Healthy.class);
        assertThat(o.analysis().metrics.get(0).stableValue).isEqualTo(0.8);
        assertThat(o.analysis().metrics.get(0).value).isEqualTo(0.75);
    }

    @Test
    void lowerThanTheStableByMoreThanToleranceFailsForAMetricWithMin() {
        Outcome o = judge(precision(0.6, new QueryResult.Value(0.8)));
        assertThat(o.decision())
                .isEqualTo(
                        new Decision.Failing(
                                1,
                                "precision",
                                0.6,
                                "precision = 0.6000 is below the stable version's 0.8000 by more"
                                        + " than 10.00 %"));
    }

    @Test
    void higherThanTheStableByMoreThanToleranceFailsForAMetricWithOnlyMax() {
        assertThat(judge(latency(0.3, 0.2)).decision()).isInstanceOf(Decision.Failing.class);
        assertThat(judge(latency(0.1, 0.2)).decision()).isInstanceOf(Decision.Healthy.class);
    }

    @Test
    void theCanarysOwnBoundsFailFirst() {
        Outcome o = judge(precision(0.4, new QueryResult.Value(0.3)));
        assertThat(o.decision()).isInstanceOf(Decision.Failing.class);
        assertThat(o.analysis().metrics.get(0).message).contains("below min 0.5");
    }

    @Test
    void noStableValueIsInconclusiveNeverAFailure() {
        Outcome o = judge(precision(0.9, QueryResult.inconclusive("query returned no data")));
        assertThat(o.decision()).isInstanceOf(Decision.Inconclusive.class);
        assertThat(o.analysis().metrics.get(0).message)
                .isEqualTo("stable version: query returned no data");
        assertThat(o.analysis().consecutiveFailures).isZero();
    }
}
