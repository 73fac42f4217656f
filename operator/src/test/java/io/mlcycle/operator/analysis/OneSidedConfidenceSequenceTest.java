package io.mlcycle.operator.analysis;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class OneSidedConfidenceSequenceTest {

    private static final double ALPHA = 0.05;
    private static final OneSidedConfidenceSequence PROMOTION =
            new OneSidedConfidenceSequence(0.55, 400);

    private static double incompleteBeta(double y, double p, double q) {
        return Math.exp(OneSidedConfidenceSequence.logRegularizedIncompleteBeta(y, p, q));
    }

    @Test
    void incompleteBetaMatchesClosedForms() {
        assertThat(incompleteBeta(0.3, 1, 1)).isCloseTo(0.3, within(1e-12));
        assertThat(incompleteBeta(0.7, 3, 1)).isCloseTo(0.343, within(1e-12));
        // I_y(2, 2) = 3y^2 - 2y^3
        assertThat(incompleteBeta(0.2, 2, 2)).isCloseTo(0.104, within(1e-12));
        assertThat(incompleteBeta(0.5, 1500, 1500)).isCloseTo(0.5, within(1e-9));
        assertThat(incompleteBeta(0.9, 2, 5) + incompleteBeta(0.1, 5, 2))
                .isCloseTo(1, within(1e-12));
        // far in the tail the logarithm is still finite: 0.4^1000 is below the smallest double
        assertThat(OneSidedConfidenceSequence.logRegularizedIncompleteBeta(0.4, 1000, 1))
                .isCloseTo(1000 * Math.log(0.4), within(1e-9));
    }

    @Test
    void theMixtureFallsAsTheTestedProportionRisesTowardsTheEstimate() {
        long k = 430, n = 774;
        double previous = Double.POSITIVE_INFINITY;
        for (double p = 0.30; p <= (double) k / n; p += 0.01) {
            double now = PROMOTION.logMixture(p, k, n);
            assertThat(now).as("log M(%s)", p).isLessThan(previous);
            previous = now;
        }
    }

    @Test
    void theLowerBoundPassesOneHalfExactlyWhenTheTestAtOneHalfRejects() {
        for (long[] kn :
                new long[][] {{60, 100}, {100, 180}, {300, 500}, {430, 774}, {2, 2}, {900, 900}}) {
            boolean rejects = PROMOTION.excludes(0.5, kn[0], kn[1], ALPHA);
            assertThat(PROMOTION.lower(kn[0], kn[1], ALPHA) > 0.5)
                    .as("%d of %d", kn[0], kn[1])
                    .isEqualTo(rejects);
        }
    }

    @Test
    void itIsTighterThanTheTwoSidedSequenceAtTheSameAlphaNearItsPrior() {
        BernoulliConfidenceSequence twoSided = new BernoulliConfidenceSequence(0.5, 50);

        assertThat(PROMOTION.lower(430, 774, ALPHA))
                .isGreaterThan(twoSided.interval(430, 774, ALPHA).lower());
    }

    @Test
    void aProportionOfOneHalfIsRuledOutAtMostAlphaOfTheTimeWhenLookedAtAfterEverySample() {
        double limit = Math.log(1 / ALPHA);
        SplittableRandom random = new SplittableRandom(11);
        int runs = 1000;
        int ruledOut = 0;
        for (int run = 0; run < runs; run++) {
            long k = 0;
            for (int n = 1; n <= 2000; n++) {
                k += random.nextBoolean() ? 1 : 0;
                if (PROMOTION.logMixture(0.5, k, n) >= limit) {
                    ruledOut++;
                    break;
                }
            }
        }
        assertThat((double) ruledOut / runs).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void noSuccessesGiveZeroAndBadCountsAreRefused() {
        assertThat(PROMOTION.lower(0, 100, ALPHA)).isZero();
        assertThat(PROMOTION.lower(0, 0, ALPHA)).isZero();
        assertThatThrownBy(() -> PROMOTION.lower(5, 3, ALPHA)).hasMessageContaining("successes");
        assertThatThrownBy(() -> new OneSidedConfidenceSequence(1, 10))
                .hasMessageContaining("prior mean");
    }
}
