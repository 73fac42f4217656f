package io.mlcycle.operator.analysis;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class BernoulliConfidenceSequenceTest {

    private static final double ALPHA = 0.05;

    @Test
    void logGammaMatchesFactorialsAndHalfIntegers() {
        assertThat(BernoulliConfidenceSequence.logGamma(1)).isCloseTo(0, within(1e-12));
        assertThat(BernoulliConfidenceSequence.logGamma(5)).isCloseTo(Math.log(24), within(1e-12));
        assertThat(BernoulliConfidenceSequence.logGamma(0.5))
                .isCloseTo(0.5 * Math.log(Math.PI), within(1e-12));
        assertThat(BernoulliConfidenceSequence.logGamma(101))
                .isCloseTo(363.73937555556347, within(1e-9));
    }

    @Test
    void theIntervalHoldsTheEstimateAndNarrowsWithSamples() {
        BernoulliConfidenceSequence cs = new BernoulliConfidenceSequence(0.5, 2);
        BernoulliConfidenceSequence.Interval none = cs.interval(0, 0, ALPHA);
        BernoulliConfidenceSequence.Interval small = cs.interval(30, 100, ALPHA);
        BernoulliConfidenceSequence.Interval large = cs.interval(3000, 10000, ALPHA);

        assertThat(none).isEqualTo(new BernoulliConfidenceSequence.Interval(0, 1));
        assertThat(small.contains(0.3)).isTrue();
        assertThat(large.contains(0.3)).isTrue();
        assertThat(large.upper() - large.lower()).isLessThan(small.upper() - small.lower());
        assertThat(large.upper() - large.lower()).isLessThan(0.05);
        assertThat(cs.interval(0, 50, ALPHA).lower()).isZero();
        assertThat(cs.interval(50, 50, ALPHA).upper()).isEqualTo(1);
    }

    @Test
    void coversTheTruthAtEveryLookWithProbabilityAtLeastOneMinusAlpha() {
        BernoulliConfidenceSequence cs = new BernoulliConfidenceSequence(0.5, 2);
        double p = 0.3;
        SplittableRandom random = new SplittableRandom(42);
        int runs = 1000;
        int missed = 0;
        for (int run = 0; run < runs; run++) {
            long k = 0;
            for (int n = 1; n <= 1000; n++) {
                k += random.nextDouble() < p ? 1 : 0;
                if (cs.excludes(p, k, n, ALPHA)) {
                    missed++;
                    break;
                }
            }
        }
        assertThat((double) missed / runs).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void aFixedSampleIntervalLookedAtEveryStepMissesFarMoreOftenThanAlpha() {
        double p = 0.3;
        SplittableRandom random = new SplittableRandom(42);
        int runs = 1000;
        int missed = 0;
        for (int run = 0; run < runs; run++) {
            long k = 0;
            for (int n = 1; n <= 1000; n++) {
                k += random.nextDouble() < p ? 1 : 0;
                double mean = (double) k / n;
                double half = 1.96 * Math.sqrt(mean * (1 - mean) / n);
                if (n >= 30 && Math.abs(mean - p) > half) {
                    missed++;
                    break;
                }
            }
        }
        assertThat((double) missed / runs).isGreaterThan(3 * ALPHA);
    }
}
