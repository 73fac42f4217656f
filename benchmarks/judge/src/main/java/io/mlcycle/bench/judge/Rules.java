package io.mlcycle.bench.judge;

import io.mlcycle.operator.analysis.AnalysisStep;
import io.mlcycle.operator.analysis.CanarySequentialStep;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.analysis.PairedJudge;
import io.mlcycle.operator.analysis.ProportionJudge;
import io.mlcycle.operator.analysis.QueryResult;
import io.mlcycle.operator.analysis.SequentialVerdict;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec.ShadowMetric;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.Analysis;
import io.mlcycle.operator.modeldeployment.ShadowDecision;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The operator's decision rules, each looked at once per interval on the feedback so far, with the
 * CRD defaults: a rule answers what to do after each interval (or nothing yet).
 */
final class Rules {

    static final double ALPHA = 0.05;
    static final double MARGIN = 0.01;
    static final long MIN_SAMPLES = 100;
    static final double MIN = 0.8;
    static final int FAILURE_THRESHOLD = 3;
    static final double RELATIVE_TOLERANCE = 0.1;
    static final double ABSOLUTE_TOLERANCE = 0.02;
    static final int CANARY_STEPS = 5;
    private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

    private Rules() {}

    /** What a rule decided after an interval. */
    enum Act {
        NONE,
        ACT,
        STOP
    }

    /** Shadow, threshold: ShadowDecision on the cumulative counts of the same requests. */
    static Act shadowThreshold(long[] pairs) {
        long champion = pairs[0] + pairs[1];
        long challenger = pairs[0] + pairs[2];
        long n = pairs[0] + pairs[1] + pairs[2] + pairs[3];
        ShadowDecision.Result r =
                ShadowDecision.judge(
                        new ShadowDecision.Counts(champion, n - champion, 0, 0),
                        new ShadowDecision.Counts(challenger, n - challenger, 0, 0),
                        ShadowMetric.accuracy,
                        MARGIN,
                        MIN_SAMPLES);
        return r.verdict() == ShadowDecision.Verdict.Better ? Act.ACT : Act.NONE;
    }

    private static final PairedJudge PAIRED = new PairedJudge(ALPHA, MARGIN);

    /** Shadow, sequential: PairedJudge on the cumulative pairs, minSamples as a floor. */
    static Act shadowSequential(long[] pairs) {
        PairedJudge.Pairs p = new PairedJudge.Pairs(pairs[0], pairs[1], pairs[2], pairs[3]);
        if (p.total() < MIN_SAMPLES) {
            return Act.NONE;
        }
        SequentialVerdict v = PAIRED.judge(p);
        return switch (v.outcome()) {
            case Accept -> Act.ACT;
            case Reject -> Act.STOP;
            case Continue -> Act.NONE;
        };
    }

    /**
     * Shadow, a reference no deployment can run: Wald's SPRT of q = 1/2 against the true share
     * {@code q} of discordant pairs the challenger alone gets right (alpha 0.05 by Ville's
     * inequality, as the operator's judge; minSamples as a floor). Promotes only, never rejects.
     */
    static Function<long[], Act> shadowOracle(double q) {
        double up = Math.log(2 * q);
        double down = Math.log(2 * (1 - q));
        double limit = Math.log(1 / ALPHA);
        return pairs -> {
            long n = pairs[0] + pairs[1] + pairs[2] + pairs[3];
            double logRatio = pairs[2] * up + pairs[1] * down;
            return n >= MIN_SAMPLES && logRatio >= limit ? Act.ACT : Act.NONE;
        };
    }

    /** Rollback, threshold: AnalysisStep on this interval's accuracy, N failures in a row. */
    static final class RollbackThreshold {
        private Analysis previous;

        Act next(long right, long n) {
            QueryResult value =
                    n == 0
                            ? new QueryResult.Inconclusive(QueryResult.NO_DATA)
                            : new QueryResult.Value((double) right / n);
            AnalysisStep.Outcome o =
                    AnalysisStep.evaluate(
                            previous,
                            1,
                            List.of(new AnalysisStep.Measured("accuracy", MIN, null, value)),
                            FAILURE_THRESHOLD,
                            false,
                            NOW);
            previous = o.analysis();
            return o.decision() instanceof Decision.Rollback ? Act.ACT : Act.NONE;
        }
    }

    private static final ProportionJudge PROPORTION = new ProportionJudge(ALPHA, MIN);

    /** Rollback, sequential: ProportionJudge on the cumulative labels of the served version. */
    static Act rollbackSequential(long right, long n) {
        return PROPORTION.judge(right, n).outcome() == SequentialVerdict.Outcome.Reject
                ? Act.ACT
                : Act.NONE;
    }

    /**
     * Canary, threshold: AnalysisStep comparing this interval's canary and stable accuracy; aborts
     * after N failures in a row, promotes after {@link #CANARY_STEPS} passed analyses.
     */
    static final class CanaryThreshold {
        private Analysis previous;
        private int passed;

        Act next(long canaryRight, long canaryN, long stableRight, long stableN) {
            AnalysisStep.Outcome o =
                    AnalysisStep.evaluate(
                            previous,
                            2,
                            List.of(
                                    new AnalysisStep.Measured(
                                            "accuracy",
                                            0.0,
                                            null,
                                            ratio(canaryRight, canaryN),
                                            ratio(stableRight, stableN),
                                            RELATIVE_TOLERANCE)),
                            FAILURE_THRESHOLD,
                            false,
                            NOW);
            previous = o.analysis();
            if (o.decision() instanceof Decision.Healthy && ++passed >= CANARY_STEPS) {
                return Act.STOP;
            }
            return o.decision() instanceof Decision.Rollback ? Act.ACT : Act.NONE;
        }

        private static QueryResult ratio(long right, long n) {
            return n == 0
                    ? new QueryResult.Inconclusive(QueryResult.NO_DATA)
                    : new QueryResult.Value((double) right / n);
        }
    }

    /**
     * Canary, sequential: the operator's CanarySequentialStep (TwoSampleJudge, absolute tolerance)
     * on the cumulative labels of both sides, as {@code spec.rollout.canary.mode: sequential} runs
     * it each step; a passed step promotes.
     */
    static Act canarySequential(long canaryRight, long canaryN, long stableRight, long stableN) {
        CanarySequentialStep.Pair pair =
                new CanarySequentialStep.Pair(
                        "accuracy",
                        0.0,
                        new QueryResult.Value((double) canaryRight / canaryN),
                        new QueryResult.Value(canaryN),
                        new QueryResult.Value((double) stableRight / stableN),
                        new QueryResult.Value(stableN),
                        1);
        Decision d =
                CanarySequentialStep.evaluate(2, List.of(pair), ALPHA, ABSOLUTE_TOLERANCE, NOW)
                        .decision();
        return d instanceof Decision.Rollback
                ? Act.ACT
                : d instanceof Decision.Healthy ? Act.STOP : Act.NONE;
    }
}
