package io.mlcycle.operator.analysis;

import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Analysis;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.MetricResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One analysis round as a pure function: (previous analysis, each metric's query result, config,
 * now) → the new analysis for status and a {@link Decision}.
 */
public final class AnalysisStep {

    public static final String PASSED = "Passed";
    public static final String FAILED = "Failed";
    public static final String INCONCLUSIVE = "Inconclusive";

    private AnalysisStep() {}

    /**
     * A metric's bounds and what its query gave; for a canary compared with the stable version,
     * also what the query gave for the stable version and the allowed relative gap; with
     * minSamples, how many samples are needed and what the count query gave (else null).
     */
    public record Measured(
            String name,
            Double min,
            Double max,
            QueryResult result,
            QueryResult stable,
            double tolerance,
            Samples samples) {

        public Measured(String name, Double min, Double max, QueryResult result) {
            this(name, min, max, result, null, 0, null);
        }

        public Measured(
                String name,
                Double min,
                Double max,
                QueryResult result,
                QueryResult stable,
                double tolerance) {
            this(name, min, max, result, stable, tolerance, null);
        }
    }

    /** Samples a metric needs ({@code min}) and what its count query gave. */
    public record Samples(long min, QueryResult counted) {}

    /** The new analysis and what to do about it. */
    public record Outcome(Analysis analysis, Decision decision) {}

    /**
     * Judges one round.
     *
     * <p>Failures are counted per served version: a previous analysis of another version starts the
     * count afresh. A passed round resets it; an inconclusive round leaves it unchanged unless
     * {@code inconclusiveIsFailure}. A metric with fewer samples than its minSamples is
     * inconclusive and never counts as a failure.
     */
    public static Outcome evaluate(
            Analysis previous,
            int version,
            List<Measured> measured,
            int failureThreshold,
            boolean inconclusiveIsFailure,
            Instant now) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException(
                    "rollback.failureThreshold must be >= 1, got " + failureThreshold);
        }
        int before =
                previous != null
                                && previous.version != null
                                && previous.version == version
                                && previous.consecutiveFailures != null
                        ? previous.consecutiveFailures
                        : 0;

        List<MetricResult> results = new ArrayList<>();
        MetricResult firstFailed = null;
        MetricResult firstInconclusive = null;
        MetricResult firstTooFew = null;
        for (Measured m : measured) {
            MetricResult r = judge(m);
            results.add(r);
            if (FAILED.equals(r.verdict) && firstFailed == null) {
                firstFailed = r;
            } else if (INCONCLUSIVE.equals(r.verdict)) {
                if (r.missingSamples != null) {
                    firstTooFew = firstTooFew == null ? r : firstTooFew;
                } else if (firstInconclusive == null) {
                    firstInconclusive = r;
                }
            }
        }

        Analysis next = new Analysis();
        next.lastRun = now.toString();
        next.version = version;
        next.metrics = results;

        Decision decision =
                decide(
                        next,
                        before,
                        firstFailed,
                        firstInconclusive,
                        firstTooFew,
                        failureThreshold,
                        inconclusiveIsFailure);
        return new Outcome(next, decision);
    }

    /**
     * The round's decision from its first failed, inconclusive and too-few-samples metric (in that
     * order of weight); sets the verdict and the failure count of {@code next}.
     */
    private static Decision decide(
            Analysis next,
            int before,
            MetricResult firstFailed,
            MetricResult firstInconclusive,
            MetricResult firstTooFew,
            int failureThreshold,
            boolean inconclusiveIsFailure) {
        Decision decision;
        if (firstFailed != null) {
            next.verdict = FAILED;
            next.consecutiveFailures = before + 1;
            decision =
                    next.consecutiveFailures >= failureThreshold
                            ? new Decision.Rollback(
                                    next.consecutiveFailures,
                                    firstFailed.name,
                                    firstFailed.value,
                                    firstFailed.message)
                            : new Decision.Failing(
                                    next.consecutiveFailures,
                                    firstFailed.name,
                                    firstFailed.value,
                                    firstFailed.message);
        } else if (firstInconclusive != null) {
            next.verdict = INCONCLUSIVE;
            String reason = firstInconclusive.name + ": " + firstInconclusive.message;
            if (inconclusiveIsFailure) {
                next.consecutiveFailures = before + 1;
                decision =
                        next.consecutiveFailures >= failureThreshold
                                ? new Decision.Rollback(
                                        next.consecutiveFailures,
                                        firstInconclusive.name,
                                        null,
                                        reason + " (inconclusiveIsFailure)")
                                : new Decision.Inconclusive(next.consecutiveFailures, reason);
            } else {
                next.consecutiveFailures = before;
                decision = new Decision.Inconclusive(before, reason);
            }
        } else if (firstTooFew != null) {
            next.verdict = INCONCLUSIVE;
            next.consecutiveFailures = before;
            decision =
                    new Decision.Inconclusive(
                            before, firstTooFew.name + ": " + firstTooFew.message, true);
        } else {
            next.verdict = PASSED;
            next.consecutiveFailures = 0;
            decision = new Decision.Healthy();
        }
        return decision;
    }

    private static MetricResult judge(Measured m) {
        MetricResult r = new MetricResult();
        r.name = m.name();
        r.min = m.min();
        r.max = m.max();
        if (m.samples() != null && !enoughSamples(m.samples(), r)) {
            if (m.result() instanceof QueryResult.Value v && Double.isFinite(v.value())) {
                r.value = v.value();
            }
            return r;
        }
        if (m.result() instanceof QueryResult.Inconclusive i) {
            r.verdict = INCONCLUSIVE;
            r.message = i.reason();
            return r;
        }
        double value = ((QueryResult.Value) m.result()).value();
        // JSON (and so the status) has no Infinity; the message still says it.
        r.value = Double.isFinite(value) ? value : null;
        if (m.min() != null && value < m.min()) {
            r.verdict = FAILED;
            r.message = m.name() + " = " + format(value) + " is below min " + m.min();
        } else if (m.max() != null && value > m.max()) {
            r.verdict = FAILED;
            r.message = m.name() + " = " + format(value) + " is above max " + m.max();
        } else if (m.stable() != null) {
            compareToStable(m, value, r);
        } else {
            r.verdict = PASSED;
        }
        String detail = ((QueryResult.Value) m.result()).detail();
        if (detail != null) {
            r.message = r.message == null ? detail : r.message + "; " + detail;
        }
        return r;
    }

    /**
     * Records the sample count on {@code r}; false (and {@code r} inconclusive) when it is below
     * the minimum or unknown. Only a count below the minimum sets missingSamples, which keeps the
     * round from ever counting as a failure; a count query matching no series (no traffic yet) is
     * zero samples.
     */
    private static boolean enoughSamples(Samples samples, MetricResult r) {
        if (samples.counted() instanceof QueryResult.Inconclusive i && !QueryResult.isNoData(i)) {
            r.verdict = INCONCLUSIVE;
            r.message = "sample count: " + i.reason();
            return false;
        }
        double counted = samples.counted() instanceof QueryResult.Value v ? v.value() : 0;
        long n = Double.isFinite(counted) ? (long) Math.floor(Math.max(0, counted)) : 0;
        r.samples = n;
        if (n >= samples.min()) {
            return true;
        }
        r.verdict = INCONCLUSIVE;
        r.missingSamples = samples.min() - n;
        r.message =
                n
                        + " of "
                        + samples.min()
                        + " samples, "
                        + r.missingSamples
                        + " missing before it is judged";
        return false;
    }

    /**
     * Judges a value within its bounds against the stable version's: worse means lower for a metric
     * with a min, higher for one with only a max, by more than {@code tolerance} of the stable
     * value. No stable value makes the comparison, and so the metric, inconclusive.
     */
    private static void compareToStable(Measured m, double value, MetricResult r) {
        if (m.stable() instanceof QueryResult.Inconclusive i) {
            r.verdict = INCONCLUSIVE;
            r.message = "stable version: " + i.reason();
            return;
        }
        double stable = ((QueryResult.Value) m.stable()).value();
        r.stableValue = Double.isFinite(stable) ? stable : null;
        double gap = Math.abs(stable) * m.tolerance();
        boolean lowerIsWorse = m.min() != null;
        boolean worse = lowerIsWorse ? value < stable - gap : value > stable + gap;
        if (worse) {
            r.verdict = FAILED;
            r.message =
                    m.name()
                            + " = "
                            + format(value)
                            + " is "
                            + (lowerIsWorse ? "below" : "above")
                            + " the stable version's "
                            + format(stable)
                            + " by more than "
                            + format(m.tolerance() * 100)
                            + " %";
        } else {
            r.verdict = PASSED;
        }
    }

    static String format(double value) {
        return Double.isInfinite(value)
                ? String.valueOf(value)
                : String.format(Locale.ROOT, "%.4g", value);
    }
}
