package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.SequentialVerdict.Outcome;

import java.util.Locale;

/**
 * A sequential paired comparison of two classifiers scored on the same labelled requests, as
 * McNemar's test but safe to look at after every label: only discordant pairs (one right, the other
 * wrong) carry evidence. The challenger is better exactly when q, the share of discordant pairs it
 * alone got right, exceeds 1/2; an always-valid one-sided lower bound for q ({@link
 * OneSidedConfidenceSequence}: a mixture SPRT, Johari et al. 2022, Howard et al. 2021) accepts at
 * level alpha once it passes 1/2, and a two-sided confidence sequence ({@link
 * BernoulliConfidenceSequence}) gives q's upper end. The accuracy difference is {@code d (2q - 1)}
 * with d the discordance rate; with a second sequence for d it bounds the difference, and the test
 * rejects for futility once the challenger cannot be better by {@code margin} (or is worse, when
 * the margin is 0).
 *
 * <p>Wrong promotion (accepting a challenger that is not better) happens with probability at most
 * alpha however often the test is looked at; a wrong futility rejection at most 2 alpha.
 */
public final class PairedJudge {

    /**
     * The mixture of the promotion test, the tuning that sets its price in labels: Beta(220, 180)
     * (mean 0.55, sd 0.025) truncated above each tested q. q = 1/2 + δ / (2 d) for an accuracy gain
     * δ at discordance d, so the prior sits on a 2-point gain where 10–40 % of the requests are
     * discordant (q 0.525–0.6). Chosen on {@code benchmarks/run judge} (discordance 0.18); its
     * README has the labels it takes against the earlier two-sided Beta(25, 25).
     */
    private static final OneSidedConfidenceSequence PROMOTION =
            new OneSidedConfidenceSequence(0.55, 400);

    /** Prior of q's upper end (futility): Beta(25, 25) around 1/2. */
    private static final BernoulliConfidenceSequence SHARE =
            new BernoulliConfidenceSequence(0.5, 50);

    /** Prior of the discordance sequence: uniform. */
    private static final BernoulliConfidenceSequence DISCORDANCE =
            new BernoulliConfidenceSequence(0.5, 2);

    private final double alpha;
    private final double margin;

    /** A test at level alpha in (0, 0.5) with a futility margin in [0, 1). */
    public PairedJudge(double alpha, double margin) {
        SequentialVerdict.checkAlpha(alpha);
        if (!(margin >= 0 && margin < 1)) {
            throw new IllegalArgumentException("margin must be in [0, 1), got " + margin);
        }
        this.alpha = alpha;
        this.margin = margin;
    }

    /** Counts of labelled requests by which of the two models got them right. */
    public record Pairs(long bothRight, long championOnly, long challengerOnly, long bothWrong) {
        public long total() {
            return bothRight + championOnly + challengerOnly + bothWrong;
        }

        public long discordant() {
            return championOnly + challengerOnly;
        }
    }

    /** The verdict on the accuracy difference (challenger minus champion) after {@code pairs}. */
    public SequentialVerdict judge(Pairs pairs) {
        long n = pairs.total();
        long discordant = pairs.discordant();
        double estimate = n == 0 ? 0 : (double) (pairs.challengerOnly() - pairs.championOnly()) / n;
        BernoulliConfidenceSequence.Interval q =
                SHARE.interval(pairs.challengerOnly(), discordant, alpha);
        BernoulliConfidenceSequence.Interval d = DISCORDANCE.interval(discordant, n, alpha);
        double qLower = PROMOTION.lower(pairs.challengerOnly(), discordant, alpha);
        double gLow = 2 * qLower - 1;
        double gHigh = 2 * q.upper() - 1;
        double lower = gLow >= 0 ? d.lower() * gLow : d.upper() * gLow;
        double upper = gHigh >= 0 ? d.upper() * gHigh : d.lower() * gHigh;
        Outcome outcome =
                qLower > 0.5 ? Outcome.Accept : upper < margin ? Outcome.Reject : Outcome.Continue;
        String rule =
                String.format(
                        Locale.ROOT,
                        "paired sequential test (one-sided beta-binomial mixture on %d"
                                + " discordant of %d pairs, alpha %s): promote when the challenger"
                                + " is better, reject when it cannot be better by margin %s",
                        discordant,
                        n,
                        alpha,
                        margin);
        return new SequentialVerdict(estimate, lower, upper, n, outcome, rule);
    }
}
