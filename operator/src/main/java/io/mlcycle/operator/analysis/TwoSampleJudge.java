package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;

import java.util.Locale;

/**
 * A sequential comparison of two independent proportions (a canary's and the stable version's, on
 * their own requests), safe to look at every interval: one always-valid confidence sequence per
 * sample ({@link BernoulliConfidenceSequence}, Howard et al. 2021), each at alpha / 2, bound the
 * difference canary minus stable at level alpha. Rejects (abort the canary) once the canary is
 * worse than stable by more than {@code tolerance} with confidence, accepts once it is not; a
 * canary that is not worse by more than the tolerance is rejected with probability at most alpha.
 */
public final class TwoSampleJudge {

    private static final BernoulliConfidenceSequence SEQUENCE =
            new BernoulliConfidenceSequence(0.5, 2);

    private final double alpha;
    private final double tolerance;

    /** A test at level alpha in (0, 0.5) allowing the canary to be worse by {@code tolerance}. */
    public TwoSampleJudge(double alpha, double tolerance) {
        SequentialVerdict.checkAlpha(alpha);
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
        }
        this.alpha = alpha;
        this.tolerance = tolerance;
    }

    /** The verdict on canary minus stable after each side's successes of n. */
    public SequentialVerdict judge(
            long canarySuccesses, long canaryN, long stableSuccesses, long stableN) {
        BernoulliConfidenceSequence.Interval canary =
                SEQUENCE.interval(canarySuccesses, canaryN, alpha / 2);
        BernoulliConfidenceSequence.Interval stable =
                SEQUENCE.interval(stableSuccesses, stableN, alpha / 2);
        double estimate =
                canaryN == 0 || stableN == 0
                        ? Double.NaN
                        : (double) canarySuccesses / canaryN - (double) stableSuccesses / stableN;
        double lower = canary.lower() - stable.upper();
        double upper = canary.upper() - stable.lower();
        Outcome outcome =
                upper < -tolerance
                        ? Outcome.Reject
                        : lower >= -tolerance ? Outcome.Accept : Outcome.Continue;
        String rule =
                String.format(
                        Locale.ROOT,
                        "two-sample sequential test (a beta-binomial mixture confidence sequence per"
                                + " side, alpha %s, intervals at alpha / 2): abort when the whole"
                                + " interval of canary - stable lies below -%s, pass when it lies"
                                + " at or above -%s, else judge again",
                        alpha,
                        tolerance,
                        tolerance);
        return new SequentialVerdict(estimate, lower, upper, canaryN + stableN, outcome, rule);
    }
}
