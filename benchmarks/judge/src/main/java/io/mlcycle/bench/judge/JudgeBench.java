package io.mlcycle.bench.judge;

import io.mlcycle.bench.judge.Rules.Act;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * {@code benchmarks/run judge}: seeded synthetic feedback streams judged once per interval by the
 * operator's threshold rules and by its sequential judges, side by side on the same streams.
 */
public final class JudgeBench {

    /** Intervals a run lasts at most (labels: intervals x traffic). */
    static final int INTERVALS = 2000;

    static final int[] TRAFFIC = {1, 10, 100};

    /**
     * Champion accuracy 0.80; P(only the champion right) = 0.08, P(only the challenger) = 0.08 +
     * delta.
     */
    static final double CHAMPION_ONLY = 0.08;

    static final double CHAMPION_ACCURACY = 0.80;

    private JudgeBench() {}

    /**
     * How one run ended: what the rule did (ACT, STOP or NONE by the horizon) after how many
     * labels.
     */
    record Run(Act act, long labels) {}

    /** One simulated run of a rule at a traffic level. */
    interface Trial {
        Run run(SplittableRandom random, int traffic, boolean sequential);
    }

    /** The runs of one cell, for the threshold rule and the sequential one on the same seeds. */
    record Cell(
            String family,
            String scenario,
            int traffic,
            List<Run> threshold,
            List<Run> sequential) {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        long started = System.nanoTime();
        List<Cell> cells = new ArrayList<>();
        for (double delta : new double[] {0, 0.01, 0.02, 0.05, -0.02}) {
            cells.addAll(
                    cells(
                            "shadow",
                            String.format(Locale.ROOT, "%+.2f", delta),
                            shadow(delta),
                            runs,
                            seed));
        }
        for (double p : new double[] {0.82, 0.80, 0.75}) {
            cells.addAll(
                    cells(
                            "rollback",
                            String.format(Locale.ROOT, "acc=%.2f", p),
                            rollback(p),
                            runs,
                            seed));
        }
        for (double gap : new double[] {0, -0.05, -0.10}) {
            cells.addAll(
                    cells(
                            "canary",
                            String.format(Locale.ROOT, "%+.2f", gap),
                            canary(0.85 + gap, 0.85),
                            runs,
                            seed));
        }
        Report.print(
                cells,
                oracleLabelsToPromote(runs, seed),
                runs,
                seed,
                (System.nanoTime() - started) / 1e9);
    }

    private static List<Cell> cells(
            String family, String scenario, Trial trial, int runs, long seed) {
        List<Cell> out = new ArrayList<>();
        for (int traffic : TRAFFIC) {
            long base = base(seed, family, scenario, traffic);
            List<Run> threshold = simulate(trial, traffic, false, runs, base);
            List<Run> sequential = simulate(trial, traffic, true, runs, base);
            Cell c = new Cell(family, scenario, traffic, threshold, sequential);
            Report.line(c);
            out.add(c);
        }
        return out;
    }

    /** The seed of a cell's first run: each cell has its own streams, the same for both rules. */
    static long base(long seed, String family, String scenario, int traffic) {
        return seed * 0x9E3779B97F4A7C15L ^ (family + scenario + traffic).hashCode();
    }

    static List<Run> simulate(Trial trial, int traffic, boolean sequential, int runs, long base) {
        return IntStream.range(0, runs)
                .parallel()
                .mapToObj(
                        i -> trial.run(new SplittableRandom(base + 7919L * i), traffic, sequential))
                .toList();
    }

    /**
     * The reference for the labels goal at +0.02, traffic 100, on that cell's streams: labels after
     * which 80 % of the runs were promoted by the SPRT that knows the challenger's true share of
     * the discordant pairs ({@link Rules#shadowOracle}).
     */
    static long oracleLabelsToPromote(int runs, long seed) {
        double delta = 0.02;
        long base = base(seed, "shadow", String.format(Locale.ROOT, "%+.2f", delta), 100);
        double q = (CHAMPION_ONLY + delta) / (2 * CHAMPION_ONLY + delta);
        List<Run> oracle = simulate(shadow(delta, Rules.shadowOracle(q)), 100, true, runs, base);
        return quantileLabelsTo(oracle, Act.ACT, 0.8);
    }

    /** Shadow: both models score the same labelled requests; ACT = promote, STOP = reject. */
    static Trial shadow(double delta) {
        return shadow(delta, Rules::shadowSequential);
    }

    /** Shadow with {@code sequentialRule} as the sequential rule. */
    static Trial shadow(double delta, Function<long[], Act> sequentialRule) {
        return shadow(delta, sequentialRule, INTERVALS);
    }

    /** Shadow with {@code sequentialRule}, for at most {@code intervals} intervals. */
    static Trial shadow(double delta, Function<long[], Act> sequentialRule, int intervals) {
        double championOnly = CHAMPION_ONLY;
        double challengerOnly = CHAMPION_ONLY + delta;
        double bothRight = CHAMPION_ACCURACY - CHAMPION_ONLY;
        return (random, traffic, sequential) -> {
            long[] pairs = new long[4];
            for (int t = 1; t <= intervals; t++) {
                for (int i = 0; i < traffic; i++) {
                    double u = random.nextDouble();
                    pairs[
                            u < bothRight
                                    ? 0
                                    : u < bothRight + championOnly
                                            ? 1
                                            : u < bothRight + championOnly + challengerOnly
                                                    ? 2
                                                    : 3]++;
                }
                Act act = sequential ? sequentialRule.apply(pairs) : Rules.shadowThreshold(pairs);
                if (act != Act.NONE) {
                    return new Run(act, (long) t * traffic);
                }
            }
            return new Run(Act.NONE, (long) intervals * traffic);
        };
    }

    /** Rollback of a served version of accuracy p against min 0.8; ACT = roll back. */
    static Trial rollback(double p) {
        return (random, traffic, sequential) -> {
            Rules.RollbackThreshold threshold = new Rules.RollbackThreshold();
            long right = 0;
            for (int t = 1; t <= INTERVALS; t++) {
                long now = 0;
                for (int i = 0; i < traffic; i++) {
                    now += random.nextDouble() < p ? 1 : 0;
                }
                right += now;
                Act act =
                        sequential
                                ? Rules.rollbackSequential(right, (long) t * traffic)
                                : threshold.next(now, traffic);
                if (act != Act.NONE) {
                    return new Run(act, (long) t * traffic);
                }
            }
            return new Run(Act.NONE, (long) INTERVALS * traffic);
        };
    }

    /**
     * Canary (traffic labels an interval) against stable (9 x traffic); ACT = abort, STOP =
     * promote.
     */
    static Trial canary(double canaryAccuracy, double stableAccuracy) {
        return (random, traffic, sequential) -> {
            Rules.CanaryThreshold threshold = new Rules.CanaryThreshold();
            long canaryRight = 0, stableRight = 0;
            for (int t = 1; t <= INTERVALS; t++) {
                long c = 0, s = 0;
                for (int i = 0; i < traffic; i++) {
                    c += random.nextDouble() < canaryAccuracy ? 1 : 0;
                }
                for (int i = 0; i < 9 * traffic; i++) {
                    s += random.nextDouble() < stableAccuracy ? 1 : 0;
                }
                canaryRight += c;
                stableRight += s;
                Act act =
                        sequential
                                ? Rules.canarySequential(
                                        canaryRight,
                                        (long) t * traffic,
                                        stableRight,
                                        9L * t * traffic)
                                : threshold.next(c, traffic, s, 9L * traffic);
                if (act != Act.NONE) {
                    return new Run(act, (long) t * traffic);
                }
            }
            return new Run(Act.NONE, (long) INTERVALS * traffic);
        };
    }

    /** The share of runs that ended with {@code act}. */
    static double rate(List<Run> runs, Act act) {
        return runs.stream().filter(r -> r.act() == act).count() / (double) runs.size();
    }

    /**
     * The q-quantile of labels to {@code act}, counting runs that ended otherwise as never; -1 if
     * not reached.
     */
    static long quantileLabelsTo(List<Run> runs, Act act, double q) {
        long[] labels =
                runs.stream()
                        .mapToLong(r -> r.act() == act ? r.labels() : Long.MAX_VALUE)
                        .sorted()
                        .toArray();
        long v = labels[(int) Math.ceil(q * labels.length) - 1];
        return v == Long.MAX_VALUE ? -1 : v;
    }

    /** The median labels to any decision among the runs that decided; -1 when none did. */
    static long medianLabelsToDecision(List<Run> runs) {
        long[] labels =
                runs.stream()
                        .filter(r -> r.act() != Act.NONE)
                        .mapToLong(Run::labels)
                        .sorted()
                        .toArray();
        return labels.length == 0 ? -1 : labels[labels.length / 2];
    }

    static double max(List<Cell> cells, String family, String scenario, ToDoubleFunction<Cell> f) {
        return cells.stream()
                .filter(c -> c.family().equals(family) && c.scenario().equals(scenario))
                .mapToDouble(f)
                .max()
                .orElse(Double.NaN);
    }
}
