package io.mlcycle.operator.analysis;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Analysis;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.MetricResult;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class SequentialStepTest {

    private static final Instant NOW = Instant.parse("2026-12-07T07:00:00Z");

    private static AnalysisStep.Measured accuracy(double value, double count) {
        return new AnalysisStep.Measured(
                "accuracy",
                0.8,
                null,
                new QueryResult.Value(value),
                null,
                0,
                new AnalysisStep.Samples(50, new QueryResult.Value(count)));
    }

    @Test
    void aProportionBelowMinWithConfidenceRollsBackAtTheFirstRound() {
        AnalysisStep.Outcome o =
                SequentialStep.evaluate(null, 2, List.of(accuracy(0.70, 1000)), 0.05, NOW);

        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        Decision.Rollback rollback = (Decision.Rollback) o.decision();
        assertThat(rollback.metric()).isEqualTo("accuracy");
        assertThat(rollback.value()).isEqualTo(0.70);
        assertThat(rollback.consecutiveFailures()).isZero();
        assertThat(rollback.message()).contains("below min 0.8").contains("alpha 0.05");
        MetricResult r = o.analysis().metrics.get(0);
        assertThat(r.verdict).isEqualTo(AnalysisStep.FAILED);
        assertThat(r.decision).isEqualTo("Reject");
        assertThat(r.estimate).isEqualTo(0.70);
        assertThat(r.upper).isLessThan(0.8);
        assertThat(r.lower).isLessThan(0.70);
        assertThat(r.samples).isEqualTo(1000);
        assertThat(r.rule).contains("alpha 0.05");
        assertThat(r.message).contains("below min 0.8").contains("95 % interval");
    }

    @Test
    void theSameProportionOnFewSamplesIsNoReasonToRollBack() {
        AnalysisStep.Outcome o =
                SequentialStep.evaluate(null, 2, List.of(accuracy(0.70, 60)), 0.05, NOW);

        assertThat(o.decision()).isInstanceOf(Decision.Healthy.class);
        MetricResult r = o.analysis().metrics.get(0);
        assertThat(r.decision).isEqualTo("Continue");
        assertThat(r.lower).isLessThan(0.7);
        assertThat(r.upper).isGreaterThan(0.8);
        assertThat(r.message).contains("not yet distinguishable from min 0.8");
    }

    @Test
    void belowMinSamplesIsInconclusiveAndNeverCountsAsAFailure() {
        Analysis previous = new Analysis();
        previous.version = 2;
        previous.consecutiveFailures = 0;
        AnalysisStep.Outcome o =
                SequentialStep.evaluate(previous, 2, List.of(accuracy(0.1, 10)), 0.05, NOW);

        assertThat(o.decision())
                .isInstanceOfSatisfying(
                        Decision.Inconclusive.class, i -> assertThat(i.tooFewSamples()).isTrue());
        assertThat(o.analysis().metrics.get(0).missingSamples).isEqualTo(40);
        assertThat(o.analysis().consecutiveFailures).isZero();
    }

    @Test
    void aValueThatIsNoProportionIsInconclusiveNamingIt() {
        AnalysisStep.Outcome o =
                SequentialStep.evaluate(null, 2, List.of(accuracy(3.5, 1000)), 0.05, NOW);

        assertThat(o.decision()).isInstanceOf(Decision.Inconclusive.class);
        assertThat(o.analysis().metrics.get(0).message)
                .isEqualTo("value 3.500 is not a proportion in [0, 1]");
    }

    @Test
    void aProportionAboveMinWithConfidenceIsAccepted() {
        AnalysisStep.Outcome o =
                SequentialStep.evaluate(null, 2, List.of(accuracy(0.9, 2000)), 0.05, NOW);

        assertThat(o.decision()).isInstanceOf(Decision.Healthy.class);
        assertThat(o.analysis().verdict).isEqualTo(AnalysisStep.PASSED);
        assertThat(o.analysis().metrics.get(0).decision).isEqualTo("Accept");
        assertThat(o.analysis().metrics.get(0).lower).isGreaterThanOrEqualTo(0.8);
    }
}
