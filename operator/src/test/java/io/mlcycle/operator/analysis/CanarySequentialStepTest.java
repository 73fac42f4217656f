package io.mlcycle.operator.analysis;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.MetricResult;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class CanarySequentialStepTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final double ALPHA = 0.05;
    private static final double TOLERANCE = 0.05;

    private static CanarySequentialStep.Pair precision(
            double canary, long canaryN, double stable, long stableN) {
        return new CanarySequentialStep.Pair(
                "precision",
                0.5,
                new QueryResult.Value(canary),
                new QueryResult.Value(canaryN),
                new QueryResult.Value(stable),
                new QueryResult.Value(stableN),
                50);
    }

    private static AnalysisStep.Outcome step(CanarySequentialStep.Pair pair) {
        return CanarySequentialStep.evaluate(2, List.of(pair), ALPHA, TOLERANCE, NOW);
    }

    /**
     * Every interval the canary gets {@code perInterval} labels and the stable nine times as many;
     * the step is analysed on the cumulative counts until it decides (or the horizon); below
     * minSamples and undecided it waits.
     */
    private static AnalysisStep.Outcome watch(
            SplittableRandom random, double canary, double stable, int perInterval) {
        long ck = 0, cn = 0, sk = 0, sn = 0;
        AnalysisStep.Outcome o = null;
        for (int i = 0; i < 3000; i++) {
            for (int j = 0; j < perInterval; j++) {
                ck += random.nextDouble() < canary ? 1 : 0;
                cn++;
            }
            for (int j = 0; j < 9 * perInterval; j++) {
                sk += random.nextDouble() < stable ? 1 : 0;
                sn++;
            }
            o = step(precision((double) ck / cn, cn, (double) sk / sn, sn));
            boolean waiting =
                    o.decision() instanceof Decision.Undecided
                            || o.decision() instanceof Decision.Inconclusive few
                                    && few.tooFewSamples();
            if (!waiting) {
                return o;
            }
        }
        return o;
    }

    @Test
    void aCanaryWorseThanStableWithConfidenceIsAbortedAtOnceWithItsIntervalAndRule() {
        AnalysisStep.Outcome o = step(precision(0.60, 400, 0.85, 4000));

        assertThat(o.decision()).isInstanceOf(Decision.Rollback.class);
        Decision.Rollback abort = (Decision.Rollback) o.decision();
        assertThat(abort.metric()).isEqualTo("precision");
        assertThat(abort.value()).isEqualTo(0.60);
        assertThat(abort.message()).contains("worse than stable by more than 0.05", "alpha 0.05");
        assertThat(o.analysis().verdict).isEqualTo(AnalysisStep.FAILED);
        MetricResult r = o.analysis().metrics.get(0);
        assertThat(r.decision).isEqualTo("Reject");
        assertThat(r.estimate).isCloseTo(-0.25, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.lower).isLessThan(r.estimate);
        assertThat(r.upper).isBetween(r.estimate, -TOLERANCE);
        assertThat(r.samples).isEqualTo(400);
        assertThat(r.stableSamples).isEqualTo(4000);
        assertThat(r.stableValue).isEqualTo(0.85);
        assertThat(r.rule).contains("two-sample", "lies below -0.05");
    }

    @Test
    void aSeededWorseCanaryIsAbortedAndNeverPassed() {
        SplittableRandom random = new SplittableRandom(11);
        for (int run = 0; run < 20; run++) {
            AnalysisStep.Outcome o = watch(random, 0.75, 0.85, 10);
            assertThat(o.decision()).as("run %d", run).isInstanceOf(Decision.Rollback.class);
        }
    }

    @Test
    void anEqualCanaryPassesTheStepAndIsNeverAborted() {
        SplittableRandom random = new SplittableRandom(12);
        for (int run = 0; run < 20; run++) {
            AnalysisStep.Outcome o = watch(random, 0.85, 0.85, 10);
            assertThat(o.decision()).as("run %d", run).isInstanceOf(Decision.Healthy.class);
            MetricResult r = o.analysis().metrics.get(0);
            assertThat(r.lower).isGreaterThanOrEqualTo(-TOLERANCE);
            assertThat(r.decision).isEqualTo("Accept");
        }
    }

    @Test
    void aFewBadLabelsAboveTheFloorLeaveTheStepUndecided() {
        AnalysisStep.Outcome o = step(precision(0.70, 60, 0.85, 600));

        assertThat(o.decision()).isInstanceOf(Decision.Undecided.class);
        assertThat(o.analysis().verdict).isEqualTo(CanarySequentialStep.UNDECIDED);
        MetricResult r = o.analysis().metrics.get(0);
        assertThat(r.decision).isEqualTo("Continue");
        assertThat(r.lower).isLessThan(-TOLERANCE);
        assertThat(r.upper).isGreaterThan(-TOLERANCE);
        assertThat(((Decision.Undecided) o.decision()).reason())
                .contains("60 samples", "600", "not yet known");
    }

    @Test
    void belowMinSamplesOnEitherSideIsTooFewNeverAnAbort() {
        AnalysisStep.Outcome o = step(precision(0.10, 20, 0.85, 600));

        assertThat(o.decision())
                .isEqualTo(new Decision.Inconclusive(0, o.analysis().metrics.get(0).message, true));
        MetricResult r = o.analysis().metrics.get(0);
        assertThat(r.missingSamples).isEqualTo(30);
        assertThat(r.message).contains("20 canary and 600 stable samples of 50 each, 30 missing");
        assertThat(o.analysis().verdict).isEqualTo(AnalysisStep.INCONCLUSIVE);
    }

    @Test
    void aStableSideWithoutDataIsInconclusiveNamingIt() {
        AnalysisStep.Outcome o =
                step(
                        new CanarySequentialStep.Pair(
                                "precision",
                                0.5,
                                new QueryResult.Value(0.8),
                                new QueryResult.Value(100),
                                new QueryResult.Inconclusive(QueryResult.NO_DATA),
                                new QueryResult.Value(100),
                                50));

        assertThat(o.decision()).isInstanceOf(Decision.Inconclusive.class);
        Decision.Inconclusive i = (Decision.Inconclusive) o.decision();
        assertThat(i.tooFewSamples()).isFalse();
        assertThat(i.reason()).isEqualTo("precision: stable: " + QueryResult.NO_DATA);
    }
}
