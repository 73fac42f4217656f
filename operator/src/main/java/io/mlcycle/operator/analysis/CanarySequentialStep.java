package io.mlcycle.operator.analysis;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Analysis;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.MetricResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One analysis of a canary step in mode sequential as a pure function: each metric is a proportion
 * on both versions (its value over its minSamples count, counted since each version started),
 * judged by a {@link TwoSampleJudge} on canary minus stable. A metric worse than stable by more
 * than the tolerance with confidence aborts at once (the interval is valid at every look, so no
 * failureThreshold); every metric not worse by more than the tolerance with confidence passes the
 * step; otherwise the step waits (Undecided). Below minSamples on either side, or without a usable
 * value or count, the metric is inconclusive and never a failure.
 */
public final class CanarySequentialStep {

    /** The analysis verdict while the test has not decided. */
    public static final String UNDECIDED = "Undecided";

    private CanarySequentialStep() {}

    /**
     * A metric's value and sample count on both versions; {@code minSamples} is the floor of each.
     */
    public record Pair(
            String name,
            Double min,
            QueryResult canary,
            QueryResult canaryCount,
            QueryResult stable,
            QueryResult stableCount,
            long minSamples) {}

    /** One side's proportion and sample count, or why it has none. */
    private record Side(double value, long n, String problem) {}

    /** Judges one step at level {@code alpha} allowing the canary to be worse by tolerance. */
    public static AnalysisStep.Outcome evaluate(
            int version, List<Pair> pairs, double alpha, double tolerance, Instant now) {
        TwoSampleJudge judge = new TwoSampleJudge(alpha, tolerance);
        List<MetricResult> results = new ArrayList<>();
        for (Pair p : pairs) {
            results.add(judge(p, judge, alpha, tolerance));
        }
        Analysis next = new Analysis();
        next.lastRun = now.toString();
        next.version = version;
        next.metrics = results;
        next.consecutiveFailures = 0;
        MetricResult failed = first(results, AnalysisStep.FAILED);
        MetricResult inconclusive = first(results, AnalysisStep.INCONCLUSIVE);
        MetricResult undecided = first(results, UNDECIDED);
        if (failed != null) {
            next.verdict = AnalysisStep.FAILED;
            return new AnalysisStep.Outcome(
                    next,
                    new Decision.Rollback(
                            0, failed.name, failed.value, failed.message + "; " + failed.rule));
        }
        if (inconclusive != null) {
            next.verdict = AnalysisStep.INCONCLUSIVE;
            boolean tooFew =
                    results.stream()
                            .filter(r -> AnalysisStep.INCONCLUSIVE.equals(r.verdict))
                            .allMatch(r -> r.missingSamples != null);
            return new AnalysisStep.Outcome(
                    next, new Decision.Inconclusive(0, inconclusive.message, tooFew));
        }
        if (undecided != null) {
            next.verdict = UNDECIDED;
            return new AnalysisStep.Outcome(
                    next, new Decision.Undecided(undecided.message + "; " + undecided.rule));
        }
        next.verdict = AnalysisStep.PASSED;
        return new AnalysisStep.Outcome(next, new Decision.Healthy());
    }

    private static MetricResult first(List<MetricResult> results, String verdict) {
        return results.stream().filter(r -> verdict.equals(r.verdict)).findFirst().orElse(null);
    }

    private static MetricResult judge(
            Pair p, TwoSampleJudge judge, double alpha, double tolerance) {
        MetricResult r = new MetricResult();
        r.name = p.name();
        r.min = p.min();
        r.verdict = AnalysisStep.INCONCLUSIVE;
        Side canary = side("canary", p.canary(), p.canaryCount());
        Side stable = side("stable", p.stable(), p.stableCount());
        r.value = canary.problem() == null ? canary.value() : null;
        r.stableValue = stable.problem() == null ? stable.value() : null;
        if (canary.problem() != null || stable.problem() != null) {
            r.message =
                    p.name()
                            + ": "
                            + (canary.problem() != null ? canary.problem() : stable.problem());
            return r;
        }
        r.samples = canary.n();
        r.stableSamples = stable.n();
        long missing = Math.max(p.minSamples() - canary.n(), p.minSamples() - stable.n());
        if (missing > 0) {
            r.missingSamples = missing;
            r.message =
                    String.format(
                            Locale.ROOT,
                            "%s: %d canary and %d stable samples of %d each, %d missing before it"
                                    + " is judged",
                            p.name(),
                            canary.n(),
                            stable.n(),
                            p.minSamples(),
                            missing);
            return r;
        }
        SequentialVerdict v =
                judge.judge(
                        Math.round(canary.value() * canary.n()),
                        canary.n(),
                        Math.round(stable.value() * stable.n()),
                        stable.n());
        r.estimate = v.estimate();
        r.lower = v.lower();
        r.upper = v.upper();
        r.decision = v.outcome().name();
        r.rule = v.rule();
        r.verdict =
                switch (v.outcome()) {
                    case Reject -> AnalysisStep.FAILED;
                    case Accept -> AnalysisStep.PASSED;
                    case Continue -> UNDECIDED;
                };
        r.message =
                String.format(
                        Locale.ROOT,
                        "%s: canary - stable = %.4f (canary %.4f on %d samples, stable %.4f on %d),"
                                + " %.0f %% interval [%.4f, %.4f]: %s by more than %s",
                        p.name(),
                        v.estimate(),
                        canary.value(),
                        canary.n(),
                        stable.value(),
                        stable.n(),
                        100 * (1 - alpha),
                        v.lower(),
                        v.upper(),
                        switch (v.outcome()) {
                            case Reject -> "worse than stable";
                            case Accept -> "not worse than stable";
                            case Continue -> "not yet known whether worse than stable";
                        },
                        tolerance);
        return r;
    }

    private static Side side(String label, QueryResult result, QueryResult count) {
        if (result instanceof QueryResult.Inconclusive i) {
            return new Side(Double.NaN, 0, label + ": " + i.reason());
        }
        double value = ((QueryResult.Value) result).value();
        if (!(value >= 0 && value <= 1)) {
            return new Side(
                    value,
                    0,
                    label
                            + " value "
                            + AnalysisStep.format(value)
                            + " is not a proportion in [0, 1]");
        }
        if (count instanceof QueryResult.Inconclusive i && !QueryResult.isNoData(i)) {
            return new Side(value, 0, label + " sample count: " + i.reason());
        }
        double counted = count instanceof QueryResult.Value c ? c.value() : 0;
        long n = Double.isFinite(counted) ? (long) Math.floor(Math.max(0, counted)) : 0;
        return new Side(value, n, null);
    }
}
