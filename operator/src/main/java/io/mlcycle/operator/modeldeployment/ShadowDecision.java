package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.analysis.PrometheusClient;
import io.mlcycle.operator.analysis.SequentialVerdict;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.ShadowMetric;

import java.util.List;
import java.util.Locale;

/**
 * Whether a shadow challenger replaces its champion: from the feedback counts of both on the same
 * mirrored requests, promote only when the challenger's metric beats the champion's by the margin
 * with enough labels on both sides. Public for {@code benchmarks/judge}, which runs it on simulated
 * feedback.
 */
public final class ShadowDecision {

    private ShadowDecision() {}

    /** The verdict of one round. */
    public enum Verdict {
        /** Beats the champion by more than the margin: promote. */
        Better,
        /** Not better by the margin (or worse): stays a challenger. */
        NotBetter,
        /** Fewer labels than minSamples on a side: no verdict yet. */
        TooFewSamples,
        /** The metric is undefined on a side (e.g. precision without a predicted positive). */
        NoData,
        /** Mode sequential: the test has not decided yet (its interval straddles 0 and margin). */
        Undecided
    }

    /** Feedback counts by predicted and actual class. */
    public record Counts(long tp, long fp, long tn, long fn) {
        public static final Counts NONE = new Counts(0, 0, 0, 0);

        public long total() {
            return tp + fp + tn + fn;
        }

        /** The metric's value; NaN when its denominator is 0. */
        public double value(ShadowMetric metric) {
            return switch (metric) {
                case accuracy -> ratio(tp + tn, total());
                case precision -> ratio(tp, tp + fp);
                case recall -> ratio(tp, tp + fn);
                case f1 -> ratio(2 * tp, 2 * tp + fp + fn);
            };
        }

        private static double ratio(long a, long b) {
            return b == 0 ? Double.NaN : (double) a / b;
        }

        /** From {@code sum by (predicted, actual)} of a feedback counter. */
        static Counts of(List<PrometheusClient.Series> series) {
            long tp = 0, fp = 0, tn = 0, fn = 0;
            for (PrometheusClient.Series s : series) {
                long n = Math.round(s.value());
                boolean predicted = "1".equals(s.labels().get("predicted"));
                boolean actual = "1".equals(s.labels().get("actual"));
                if (predicted && actual) {
                    tp += n;
                } else if (predicted) {
                    fp += n;
                } else if (actual) {
                    fn += n;
                } else {
                    tn += n;
                }
            }
            return new Counts(tp, fp, tn, fn);
        }
    }

    /**
     * One round: both values (null when undefined), the labels missing on the smaller side, and a
     * message naming the numbers.
     */
    public record Result(
            Verdict verdict,
            long championSamples,
            long challengerSamples,
            long missingSamples,
            Double championValue,
            Double challengerValue,
            String message) {}

    public static Result judge(
            Counts champion,
            Counts challenger,
            ShadowMetric metric,
            double margin,
            long minSamples) {
        long fewer = Math.min(champion.total(), challenger.total());
        long missing = Math.max(0, minSamples - fewer);
        double a = champion.value(metric);
        double b = challenger.value(metric);
        Double av = Double.isNaN(a) ? null : a;
        Double bv = Double.isNaN(b) ? null : b;
        String values =
                String.format(
                        "%s %s vs champion %s on %d/%d labelled mirrored predictions",
                        metric, show(bv), show(av), challenger.total(), champion.total());
        if (missing > 0) {
            return new Result(
                    Verdict.TooFewSamples,
                    champion.total(),
                    challenger.total(),
                    missing,
                    av,
                    bv,
                    missing
                            + " labels missing before a verdict (minSamples "
                            + minSamples
                            + "); "
                            + values);
        }
        if (av == null || bv == null) {
            return new Result(
                    Verdict.NoData,
                    champion.total(),
                    challenger.total(),
                    0,
                    av,
                    bv,
                    metric + " is undefined on the labels so far; " + values);
        }
        boolean better = b - a > margin;
        return new Result(
                better ? Verdict.Better : Verdict.NotBetter,
                champion.total(),
                challenger.total(),
                0,
                av,
                bv,
                (better ? "beats the champion by more than " : "does not beat the champion by ")
                        + "margin "
                        + margin
                        + ": "
                        + values);
    }

    /**
     * Mode sequential: the paired outcomes of the same labelled requests judged by a {@link
     * PairedJudge}; Better once the challenger is more accurate with confidence, NotBetter once it
     * cannot be better by the margin, Undecided in between, TooFewSamples below minSamples. The
     * values are the champion's and the challenger's accuracy on the pairs.
     */
    public static Paired judgePaired(
            PairedJudge.Pairs pairs, double alpha, double margin, long minSamples) {
        long n = pairs.total();
        long missing = Math.max(0, minSamples - n);
        Double champion = n == 0 ? null : (double) (pairs.bothRight() + pairs.championOnly()) / n;
        Double challenger =
                n == 0 ? null : (double) (pairs.bothRight() + pairs.challengerOnly()) / n;
        SequentialVerdict v = new PairedJudge(alpha, margin).judge(pairs);
        String numbers =
                String.format(
                        Locale.ROOT,
                        "accuracy %s vs champion %s on %d paired labels (%d only the challenger"
                                + " right, %d only the champion), difference %.4f in [%.4f, %.4f]",
                        show(challenger),
                        show(champion),
                        n,
                        pairs.challengerOnly(),
                        pairs.championOnly(),
                        v.estimate(),
                        v.lower(),
                        v.upper());
        Verdict verdict;
        String message;
        if (missing > 0) {
            verdict = Verdict.TooFewSamples;
            message = missing + " labels missing before a verdict (minSamples " + minSamples + ")";
        } else {
            verdict =
                    switch (v.outcome()) {
                        case Accept -> Verdict.Better;
                        case Reject -> Verdict.NotBetter;
                        case Continue -> Verdict.Undecided;
                    };
            message =
                    switch (v.outcome()) {
                        case Accept ->
                                "more accurate than the champion with confidence " + (1 - alpha);
                        case Reject -> "cannot beat the champion by margin " + margin;
                        case Continue -> "not decided yet";
                    };
        }
        return new Paired(
                new Result(verdict, n, n, missing, champion, challenger, message + "; " + numbers),
                v);
    }

    /** A paired judgement: the round's result and the sequential test's answer behind it. */
    public record Paired(Result result, SequentialVerdict sequential) {}

    private static String show(Double v) {
        return v == null ? "undefined" : String.format("%.4f", v);
    }
}
