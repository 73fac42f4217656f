package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;

import java.util.Locale;

/**
 * A sequential comparison of two independent proportions (a canary's and the stable version's, on
 * their own requests), safe to look at every interval: always-valid one-sided bounds per sample
 * ({@link OneSidedConfidenceSequence}, Howard et al. 2021), each at alpha / 2, bound the difference
 * canary minus stable. Rejects (abort the canary) once the canary is worse than stable by more than
 * {@code tolerance} with confidence (canary's upper bound minus stable's lower one), accepts once
 * it is not worse by more than the tolerance (canary's lower bound minus stable's upper one). Each
 * decision rests on one bound per side, so a canary not worse by more than the tolerance is
 * rejected, and one worse by more is accepted, each with probability at most alpha. One-sided
 * bounds do not spend alpha on the side a decision does not look at: they decide an equal canary
 * after about a fifth fewer labels than two-sided sequences (see {@code benchmarks/run judge}).
 */
public final class TwoSampleJudge {

    /**
     * A uniform prior truncated above each tested p; uniform is symmetric, so the upper bound is 1
     * minus the lower bound of the failures.
     */
    private static final OneSidedConfidenceSequence SEQUENCE =
            new OneSidedConfidenceSequence(0.5, 2);

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
        double half = alpha / 2;
        double estimate =
                canaryN == 0 || stableN == 0
                        ? Double.NaN
                        : (double) canarySuccesses / canaryN - (double) stableSuccesses / stableN;
        double lower =
                SEQUENCE.lower(canarySuccesses, canaryN, half)
                        - upper(stableSuccesses, stableN, half);
        double upper =
                upper(canarySuccesses, canaryN, half)
                        - SEQUENCE.lower(stableSuccesses, stableN, half);
        Outcome outcome =
                upper < -tolerance
                        ? Outcome.Reject
                        : lower >= -tolerance ? Outcome.Accept : Outcome.Continue;
        String rule =
                String.format(
                        Locale.ROOT,
                        "two-sample sequential test (one-sided beta-binomial mixture bounds per"
                                + " side, alpha %s, each at alpha / 2): abort when the whole"
                                + " interval of canary - stable lies below -%s, pass when it lies"
                                + " at or above -%s, else judge again",
                        alpha,
                        tolerance,
                        tolerance);
        return new SequentialVerdict(estimate, lower, upper, canaryN + stableN, outcome, rule);
    }

    private static double upper(long successes, long n, double alpha) {
        return 1 - SEQUENCE.lower(n - successes, n, alpha);
    }
}
