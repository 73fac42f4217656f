package io.mlcycle.operator.analysis;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Analysis;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.MetricResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One analysis round of rollback mode sequential as a pure function: each metric is a proportion
 * (its value over its minSamples count, both since the version started) judged by a {@link
 * ProportionJudge} against its min; a metric whose confidence interval lies wholly below min rolls
 * back at once, since the interval stays valid however often it is looked at. Below minSamples, or
 * without a usable value or count, the round is inconclusive and never a failure.
 */
public final class SequentialStep {

    private SequentialStep() {}

    /** Judges one round at level {@code alpha}. */
    public static AnalysisStep.Outcome evaluate(
            Analysis previous,
            int version,
            List<AnalysisStep.Measured> measured,
            double alpha,
            Instant now) {
        int before =
                previous != null
                                && previous.version != null
                                && previous.version == version
                                && previous.consecutiveFailures != null
                        ? previous.consecutiveFailures
                        : 0;
        List<MetricResult> results = new ArrayList<>();
        for (AnalysisStep.Measured m : measured) {
            results.add(judge(m, alpha));
        }
        Analysis next = new Analysis();
        next.lastRun = now.toString();
        next.version = version;
        next.metrics = results;
        next.consecutiveFailures = before;
        MetricResult failed = first(results, AnalysisStep.FAILED, false);
        MetricResult inconclusive = first(results, AnalysisStep.INCONCLUSIVE, false);
        MetricResult tooFew = first(results, AnalysisStep.INCONCLUSIVE, true);
        if (failed != null) {
            next.verdict = AnalysisStep.FAILED;
            next.consecutiveFailures = before + 1;
            return new AnalysisStep.Outcome(
                    next,
                    new Decision.Rollback(
                            0, failed.name, failed.value, failed.message + "; " + failed.rule));
        }
        if (inconclusive != null || tooFew != null) {
            next.verdict = AnalysisStep.INCONCLUSIVE;
            MetricResult r = inconclusive != null ? inconclusive : tooFew;
            return new AnalysisStep.Outcome(
                    next,
                    new Decision.Inconclusive(
                            before, r.name + ": " + r.message, inconclusive == null));
        }
        next.verdict = AnalysisStep.PASSED;
        next.consecutiveFailures = 0;
        return new AnalysisStep.Outcome(next, new Decision.Healthy());
    }

    private static MetricResult first(List<MetricResult> results, String verdict, boolean tooFew) {
        return results.stream()
                .filter(r -> verdict.equals(r.verdict) && (r.missingSamples != null) == tooFew)
                .findFirst()
                .orElse(null);
    }

    private static MetricResult judge(AnalysisStep.Measured m, double alpha) {
        MetricResult r = new MetricResult();
        r.name = m.name();
        r.min = m.min();
        r.verdict = AnalysisStep.INCONCLUSIVE;
        if (m.result() instanceof QueryResult.Inconclusive i) {
            r.message = i.reason();
            return r;
        }
        double value = ((QueryResult.Value) m.result()).value();
        r.value = Double.isFinite(value) ? value : null;
        if (!(value >= 0 && value <= 1)) {
            r.message = "value " + AnalysisStep.format(value) + " is not a proportion in [0, 1]";
            return r;
        }
        if (m.samples() == null) {
            r.message = "a sequential metric needs minSamples: its count is the sample size";
            return r;
        }
        if (m.samples().counted() instanceof QueryResult.Inconclusive i
                && !QueryResult.isNoData(i)) {
            r.message = "sample count: " + i.reason();
            return r;
        }
        double counted = m.samples().counted() instanceof QueryResult.Value v ? v.value() : 0;
        long n = Double.isFinite(counted) ? (long) Math.floor(Math.max(0, counted)) : 0;
        r.samples = n;
        if (n < m.samples().min()) {
            r.missingSamples = m.samples().min() - n;
            r.message =
                    n
                            + " of "
                            + m.samples().min()
                            + " samples, "
                            + r.missingSamples
                            + " missing before it is judged";
            return r;
        }
        SequentialVerdict v;
        try {
            v =
                    new ProportionJudge(alpha, m.min() == null ? Double.NaN : m.min())
                            .judge(Math.round(value * n), n);
        } catch (IllegalArgumentException e) {
            r.message = e.getMessage();
            return r;
        }
        r.estimate = v.estimate();
        r.lower = v.lower();
        r.upper = v.upper();
        r.decision = v.outcome().name();
        r.rule = v.rule();
        boolean below = v.outcome() == SequentialVerdict.Outcome.Reject;
        r.verdict = below ? AnalysisStep.FAILED : AnalysisStep.PASSED;
        r.message =
                String.format(
                        Locale.ROOT,
                        "%s = %.4f on %d samples, %.0f %% interval [%.4f, %.4f]: %s min %s",
                        m.name(),
                        value,
                        n,
                        100 * (1 - alpha),
                        v.lower(),
                        v.upper(),
                        below
                                ? "below"
                                : v.outcome() == SequentialVerdict.Outcome.Accept
                                        ? "at or above"
                                        : "not yet distinguishable from",
                        m.min());
        return r;
    }
}
