package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;

import java.util.Locale;

/**
 * A sequential test of one proportion (e.g. the served version's accuracy on its labelled
 * predictions) against a threshold {@code min}, safe to look at every interval: an always-valid
 * confidence sequence ({@link BernoulliConfidenceSequence}, Howard et al. 2021) with its prior
 * centred on {@code min}. Rejects (roll back) once the whole interval lies below {@code min},
 * accepts once it lies at or above it; a proportion at or above {@code min} is rejected with
 * probability at most alpha, however long it is watched.
 */
public final class ProportionJudge {

    /** The prior's a + b: its standard deviation is about 0.5 / sqrt(strength + 1). */
    private static final double PRIOR_STRENGTH = 100;

    private final double alpha;
    private final double min;
    private final BernoulliConfidenceSequence sequence;

    /** A test at level alpha in (0, 0.5) of the proportion against {@code min} in (0, 1). */
    public ProportionJudge(double alpha, double min) {
        SequentialVerdict.checkAlpha(alpha);
        if (!(min > 0 && min < 1)) {
            throw new IllegalArgumentException(
                    "min must be in (0, 1) for a proportion, got " + min);
        }
        this.alpha = alpha;
        this.min = min;
        this.sequence = new BernoulliConfidenceSequence(min, PRIOR_STRENGTH);
    }

    /** The verdict after {@code successes} of {@code n}. */
    public SequentialVerdict judge(long successes, long n) {
        BernoulliConfidenceSequence.Interval ci = sequence.interval(successes, n, alpha);
        double estimate = n == 0 ? Double.NaN : (double) successes / n;
        Outcome outcome =
                ci.upper() < min
                        ? Outcome.Reject
                        : ci.lower() >= min ? Outcome.Accept : Outcome.Continue;
        String rule =
                String.format(
                        Locale.ROOT,
                        "sequential test against min %s (beta-binomial mixture confidence sequence,"
                                + " alpha %s): below min when the whole interval is",
                        min,
                        alpha);
        return new SequentialVerdict(estimate, ci.lower(), ci.upper(), n, outcome, rule);
    }
}
