package io.mlcycle.bench.judge;

import io.mlcycle.bench.judge.Rules.Act;

import java.util.List;
import java.util.Locale;

/**
 * {@code benchmarks/run judge labels [runs]}: the labels goal alone, at every traffic level. A
 * challenger 2 points better, judged every interval at 1, 10 and 100 labels per interval for up to
 * 20 000 labels: the labels after which 80 % of the runs were promoted by the operator's {@code
 * PairedJudge} and by the oracle SPRT that knows the effect, against the fixed-sample test.
 */
public final class LabelsGoal {

    /** Labels a run lasts at most, at every traffic level. */
    static final long HORIZON = 20_000;

    static final double DELTA = 0.02;

    private LabelsGoal() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        long started = System.nanoTime();
        double d = 2 * JudgeBench.CHAMPION_ONLY + DELTA;
        long fixed = Report.fixedSampleLabels(DELTA, d);
        double q = (JudgeBench.CHAMPION_ONLY + DELTA) / d;
        StringBuilder bench = new StringBuilder();
        for (int traffic : JudgeBench.TRAFFIC) {
            int intervals = (int) (HORIZON / traffic);
            // the streams of the main run's +0.02 cells, longer at 1 and 10 labels per interval
            long base = JudgeBench.base(seed, "shadow", "+0.02", traffic);
            long paired =
                    labels80(
                            JudgeBench.shadow(DELTA, Rules::shadowSequential, intervals),
                            traffic,
                            runs,
                            base);
            long oracle =
                    labels80(
                            JudgeBench.shadow(DELTA, Rules.shadowOracle(q), intervals),
                            traffic,
                            runs,
                            base);
            System.out.printf(
                    Locale.ROOT,
                    "challenger +0.02 traffic %3d/interval | 80 %% promoted after: PairedJudge %6d"
                            + " labels (ratio %.2f), oracle SPRT %6d (ratio %.2f); fixed-sample"
                            + " %d%n",
                    traffic,
                    paired,
                    paired / (double) fixed,
                    oracle,
                    oracle / (double) fixed,
                    fixed);
            bench.append(
                    String.format(
                            Locale.ROOT,
                            " traffic%d sequential=%d ratio=%.2f oracle_sprt=%d oracle_ratio=%.2f",
                            traffic,
                            paired,
                            paired / (double) fixed,
                            oracle,
                            oracle / (double) fixed));
        }
        System.out.printf(
                Locale.ROOT,
                "BENCH judge_labels runs=%d seed=%d fixed=%d%s seconds=%.0f%n",
                runs,
                seed,
                fixed,
                bench,
                (System.nanoTime() - started) / 1e9);
    }

    /** Labels after which 80 % of the runs had promoted; -1 when fewer ever did. */
    private static long labels80(JudgeBench.Trial trial, int traffic, int runs, long base) {
        List<JudgeBench.Run> simulated = JudgeBench.simulate(trial, traffic, true, runs, base);
        return JudgeBench.quantileLabelsTo(simulated, Act.ACT, 0.8);
    }
}
