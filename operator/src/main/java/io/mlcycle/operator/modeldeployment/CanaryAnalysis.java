package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.AnalysisStep;
import io.mlcycle.operator.analysis.CanarySequentialStep;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Canary;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.MetricResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One analysis of a canary step: the rollback metrics measured through one Prometheus round,
 * decided by the threshold rule ({@link AnalysisStep}) or, with {@code spec.rollout.canary.mode:
 * sequential}, the two-sample test ({@link CanarySequentialStep}); then the condition, the message
 * and the Event.
 */
final class CanaryAnalysis {

    private CanaryAnalysis() {}

    /** Analyses the step of {@code c}, records it in status and returns the decision. */
    static Decision analyse(
            ServingContext r,
            ModelDeployment md,
            ModelDeploymentStatus status,
            ModelDeploymentSpec.Canary spec,
            Canary c,
            Instant now) {
        ModelDeploymentSpec.Rollback rb = Defaults.copy(md.getSpec().rollback);
        ModelDeploymentSpec.Canary canary = Defaults.copy(spec);
        // one round: the credentials Secret is read once, on its first query
        AnalysisQueries.Round round = r.queries().round(md);
        boolean sequential = canary.mode == ModelDeploymentSpec.JudgeMode.sequential;
        AnalysisStep.Outcome outcome =
                sequential
                        ? CanarySequentialStep.evaluate(
                                c.version, pairs(round, rb, c), canary.alpha, canary.tolerance, now)
                        : AnalysisStep.evaluate(
                                c.analysis,
                                c.version,
                                measure(round, rb, canary, c),
                                rb.failureThreshold,
                                Boolean.TRUE.equals(rb.inconclusiveIsFailure),
                                now);
        c.analysis = outcome.analysis();
        Decision decision = outcome.decision();
        RollbackAnalysis.inconclusiveCondition(
                status,
                decision,
                ModelDeploymentConditions.CANARY_NO_USABLE_DATA,
                "canary version " + c.version + ": ",
                md.getMetadata().getGeneration(),
                now);
        String step = "step " + c.step + " of " + c.steps;
        String again = ", analysed again in " + canary.stepInterval + ": ";
        if (decision instanceof Decision.Inconclusive inconclusive) {
            c.message = step + " inconclusive" + again + inconclusive.reason();
            r.events().warning(md, "CanaryAnalysisInconclusive", c.message);
        }
        if (decision instanceof Decision.Undecided undecided) {
            c.message = step + " undecided" + again + undecided.reason();
            r.events().normal(md, "CanaryAnalysisUndecided", c.message);
        }
        if (decision instanceof Decision.Failing failing) {
            c.message =
                    step
                            + " failed ("
                            + failing.consecutiveFailures()
                            + " of "
                            + rb.failureThreshold
                            + " before abort): "
                            + failing.message();
            r.events().warning(md, "CanaryAnalysisFailed", c.message);
        }
        return decision;
    }

    /**
     * What a passed step's message says of each metric: its value (and the stable one), or in mode
     * sequential its estimate, interval, samples and rule.
     */
    static String values(List<MetricResult> metrics) {
        return metrics.stream()
                .map(
                        m ->
                                m.rule != null
                                        ? m.message + "; " + m.rule
                                        : m.name
                                                + " = "
                                                + (m.value == null ? "?" : String.valueOf(m.value))
                                                + (m.stableValue == null
                                                        ? ""
                                                        : ", stable " + m.stableValue))
                .collect(Collectors.joining("; "));
    }

    /** Each metric's query for the canary's version and, with compareToStable, the stable's. */
    private static List<AnalysisStep.Measured> measure(
            AnalysisQueries.Round round,
            ModelDeploymentSpec.Rollback rb,
            ModelDeploymentSpec.Canary spec,
            Canary c) {
        boolean compare = Boolean.TRUE.equals(spec.compareToStable);
        List<AnalysisStep.Measured> measured = new ArrayList<>();
        for (ModelDeploymentSpec.Metric m : rb.metrics) {
            QueryResult canary = round.measure(m, c.version);
            QueryResult stable = compare ? round.measure(m, c.stableVersion) : null;
            measured.add(
                    new AnalysisStep.Measured(
                            m.name,
                            m.min,
                            m.max,
                            canary,
                            stable,
                            spec.tolerance,
                            round.samples(m, c.version)));
        }
        return measured;
    }

    /** Mode sequential: each metric's value and count on the canary's and the stable version. */
    private static List<CanarySequentialStep.Pair> pairs(
            AnalysisQueries.Round round, ModelDeploymentSpec.Rollback rb, Canary c) {
        List<CanarySequentialStep.Pair> pairs = new ArrayList<>();
        for (ModelDeploymentSpec.Metric m : rb.metrics) {
            // SpecChecks: mode sequential needs minSamples on every metric
            AnalysisStep.Samples canary = round.samples(m, c.version);
            AnalysisStep.Samples stable = round.samples(m, c.stableVersion);
            pairs.add(
                    new CanarySequentialStep.Pair(
                            m.name,
                            m.min,
                            round.measure(m, c.version),
                            canary.counted(),
                            round.measure(m, c.stableVersion),
                            stable.counted(),
                            canary.min()));
        }
        return pairs;
    }
}
