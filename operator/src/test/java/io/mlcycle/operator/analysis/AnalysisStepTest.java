package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.AnalysisStep.Measured;
import io.mlcycle.operator.analysis.AnalysisStep.Outcome;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Analysis;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class AnalysisStepTest {

    private static final Instant NOW = Instant.parse("2026-11-24T05:00:00Z");

    private static Measured precision(double value) {
        return new Measured("precision", 0.5, null, new QueryResult.Value(value));
    }

    private static Measured latency(double value) {
        return new Measured("latency", null, 0.2, new QueryResult.Value(value));
    }

    private static Measured noData() {
        return new Measured("precision", 0.5, null, QueryResult.inconclusive("no data"));
    }

    private static Outcome step(
            Analysis prev, int threshold, boolean inconclusiveIsFailure, Measured... m) {
        return AnalysisStep.evaluate(prev, 2, List.of(m), threshold, inconclusiveIsFailure, NOW);
    }

    @Test
    void allMetricsWithinBoundsIsHealthyAndResetsTheCount() {
        Analysis prev = step(null, 3, false, precision(0.1)).analysis();
        assertThat(prev.consecutiveFailures).isEqualTo(1);

        Outcome o = step(prev, 3, false, precision(0.8), latency(0.1));

        assertThat(o.decision()).isInstanceOf(Decision.Healthy.class);
        assertThat(o.analysis().verdict).isEqualTo("Passed");
        assertThat(o.analysis().consecutiveFailures).isZero();
        assertThat(o.analysis().version).isEqualTo(2);
        assertThat(o.analysis().lastRun).isEqualTo(NOW.toString());
        assertThat(o.analysis().metrics)
                .extracting(r -> r.verdict)
                .containsExactly("Passed", "Passed");
    }

    @Test
    void consecutiveFailuresReachingTheThresholdRollBackNamingMetricAndValue() {
        Outcome first = step(null, 3, false, precision(0.3));
        assertThat(first.decision())
                .isEqualTo(
                        new Decision.Failing(
                                1, "precision", 0.3, "precision = 0.3000 is below min 0.5"));
        Outcome second = step(first.analysis(), 3, false, precision(0.3));
        assertThat(second.decision()).isInstanceOf(Decision.Failing.class);
        Outcome third = step(second.analysis(), 3, false, precision(0.25));

        assertThat(third.decision()).isInstanceOf(Decision.Rollback.class);
        Decision.Rollback r = (Decision.Rollback) third.decision();
        assertThat(r.metric()).isEqualTo("precision");
        assertThat(r.value()).isEqualTo(0.25);
        assertThat(r.consecutiveFailures()).isEqualTo(3);
        assertThat(third.analysis().verdict).isEqualTo("Failed");
    }

    @Test
    void aMaxBoundFailsAboveIt() {
        Outcome o = step(null, 1, false, precision(0.9), latency(0.5));
        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        assertThat(((Decision.Rollback) o.decision()).metric()).isEqualTo("latency");
        assertThat(o.analysis().metrics.get(1).message).contains("above max 0.2");
    }

    @Test
    void aPassBetweenFailuresStartsTheCountAgain() {
        Analysis a = step(null, 2, false, precision(0.1)).analysis();
        a = step(a, 2, false, precision(0.9)).analysis();
        Outcome o = step(a, 2, false, precision(0.1));
        assertThat(o.decision()).isInstanceOf(Decision.Failing.class);
        assertThat(o.analysis().consecutiveFailures).isEqualTo(1);
    }

    @Test
    void inconclusiveNeverRollsBackAndKeepsTheCountByDefault() {
        Analysis a = step(null, 2, false, precision(0.1)).analysis();
        for (int i = 0; i < 5; i++) {
            Outcome o = step(a, 2, false, noData());
            assertThat(o.decision()).isEqualTo(new Decision.Inconclusive(1, "precision: no data"));
            assertThat(o.analysis().verdict).isEqualTo("Inconclusive");
            a = o.analysis();
        }
        assertThat(a.consecutiveFailures).isEqualTo(1);
    }

    @Test
    void inconclusiveCountsAsFailureWhenConfigured() {
        Outcome first = step(null, 2, true, noData());
        assertThat(first.decision()).isEqualTo(new Decision.Inconclusive(1, "precision: no data"));
        Outcome second = step(first.analysis(), 2, true, noData());
        assertThat(second.decision()).isInstanceOf(Decision.Rollback.class);
        assertThat(((Decision.Rollback) second.decision()).value()).isNull();
    }

    @Test
    void aFailedMetricOutweighsAnInconclusiveOne() {
        Outcome o =
                step(
                        null,
                        3,
                        false,
                        noData(),
                        new Measured("errors", null, 0.01, new QueryResult.Value(0.2)));
        assertThat(o.analysis().verdict).isEqualTo("Failed");
        assertThat(o.decision()).isInstanceOf(Decision.Failing.class);
    }

    private static Measured precisionWithSamples(double value, QueryResult counted) {
        return new Measured(
                "precision",
                0.5,
                null,
                new QueryResult.Value(value),
                null,
                0,
                new AnalysisStep.Samples(100, counted));
    }

    @Test
    void tooFewSamplesIsInconclusiveNeverAFailureAndSaysHowManyAreMissing() {
        Analysis a = step(null, 2, true, precision(0.1)).analysis();
        for (int i = 0; i < 5; i++) {
            Outcome o = step(a, 2, true, precisionWithSamples(0.1, new QueryResult.Value(37.6)));
            assertThat(o.decision())
                    .isEqualTo(
                            new Decision.Inconclusive(
                                    1,
                                    "precision: 37 of 100 samples, 63 missing before it is judged",
                                    true));
            assertThat(o.analysis().verdict).isEqualTo("Inconclusive");
            assertThat(o.analysis().metrics.get(0).samples).isEqualTo(37);
            assertThat(o.analysis().metrics.get(0).missingSamples).isEqualTo(63);
            assertThat(o.analysis().metrics.get(0).value).isEqualTo(0.1);
            a = o.analysis();
        }
        assertThat(a.consecutiveFailures).isEqualTo(1);
    }

    @Test
    void enoughSamplesJudgeTheValueAsUsual() {
        Outcome o = step(null, 1, false, precisionWithSamples(0.1, new QueryResult.Value(100)));
        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        assertThat(o.analysis().metrics.get(0).samples).isEqualTo(100);
        assertThat(o.analysis().metrics.get(0).missingSamples).isNull();
    }

    @Test
    void anUnknownSampleCountIsAnOrdinaryInconclusive() {
        Outcome o =
                step(
                        null,
                        1,
                        true,
                        precisionWithSamples(
                                0.9, QueryResult.inconclusive("Prometheus answered HTTP 503")));
        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        assertThat(o.analysis().metrics.get(0).message)
                .isEqualTo("sample count: Prometheus answered HTTP 503");
    }

    @Test
    void aSampleCountWithNoSeriesIsZeroSamplesNotAFailure() {
        Outcome o =
                step(
                        null,
                        1,
                        true,
                        precisionWithSamples(0.1, QueryResult.inconclusive(QueryResult.NO_DATA)));
        assertThat(o.decision()).isInstanceOf(Decision.Inconclusive.class);
        assertThat(o.analysis().metrics.get(0).samples).isZero();
        assertThat(o.analysis().metrics.get(0).missingSamples).isEqualTo(100);
    }

    @Test
    void aMetricWithEnoughSamplesStillFailsBesideOneWithTooFew() {
        Outcome o =
                step(
                        null,
                        1,
                        false,
                        precisionWithSamples(0.1, new QueryResult.Value(3)),
                        latency(0.9));
        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        assertThat(((Decision.Rollback) o.decision()).metric()).isEqualTo("latency");
    }

    @Test
    void aNewVersionStartsWithAFreshCount() {
        Analysis a = step(null, 2, false, precision(0.1)).analysis();
        Outcome o = AnalysisStep.evaluate(a, 3, List.of(precision(0.1)), 2, false, NOW);
        assertThat(o.decision()).isInstanceOf(Decision.Failing.class);
        assertThat(o.analysis().consecutiveFailures).isEqualTo(1);
    }

    @Test
    void infiniteValuesFailWithoutPuttingInfinityIntoStatus() {
        Outcome o = step(null, 1, false, latency(Double.POSITIVE_INFINITY));
        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        assertThat(o.analysis().metrics.get(0).value).isNull();
        assertThat(o.analysis().metrics.get(0).message).contains("Infinity");
    }

    @Test
    void aThresholdBelowOneIsRejected() {
        assertThatThrownBy(() -> step(null, 0, false, precision(0.9)))
                .hasMessageContaining("failureThreshold");
    }
}
