package io.mlcycle.bench.judge;

import io.mlcycle.bench.judge.JudgeBench.Cell;
import io.mlcycle.bench.judge.Rules.Act;

import java.util.List;
import java.util.Locale;

/** The benchmark's lines: one per cell as it finishes, a summary and the BENCH line last. */
final class Report {

    private static final double Z_ALPHA = 1.6448536269514722; // one-sided 0.05
    private static final double Z_POWER = 0.8416212335729143; // power 0.8

    private Report() {}

    static void line(Cell c) {
        System.out.printf(
                Locale.ROOT,
                "%-8s %-9s traffic %3d/interval | threshold: act %.4f stop %.4f median labels %7d"
                        + " | sequential: act %.4f stop %.4f median labels %7d%n",
                c.family(),
                c.scenario(),
                c.traffic(),
                JudgeBench.rate(c.threshold(), Act.ACT),
                JudgeBench.rate(c.threshold(), Act.STOP),
                JudgeBench.medianLabelsToDecision(c.threshold()),
                JudgeBench.rate(c.sequential(), Act.ACT),
                JudgeBench.rate(c.sequential(), Act.STOP),
                JudgeBench.medianLabelsToDecision(c.sequential()));
    }

    /**
     * Labels a one-sided fixed-sample paired test (McNemar, normal approximation) at alpha 0.05
     * needs for power 0.8 when the challenger is better by {@code delta} with discordance {@code
     * d}.
     */
    static long fixedSampleLabels(double delta, double d) {
        double n =
                Math.pow(
                        (Z_ALPHA * Math.sqrt(d) + Z_POWER * Math.sqrt(d - delta * delta)) / delta,
                        2);
        return (long) Math.ceil(n);
    }

    static void print(List<Cell> cells, int runs, long seed, double seconds) {
        double wrongPromotionThreshold =
                Math.max(
                        JudgeBench.max(
                                cells,
                                "shadow",
                                "+0.00",
                                c -> JudgeBench.rate(c.threshold(), Act.ACT)),
                        JudgeBench.max(
                                cells,
                                "shadow",
                                "-0.02",
                                c -> JudgeBench.rate(c.threshold(), Act.ACT)));
        double wrongPromotionSequential =
                Math.max(
                        JudgeBench.max(
                                cells,
                                "shadow",
                                "+0.00",
                                c -> JudgeBench.rate(c.sequential(), Act.ACT)),
                        JudgeBench.max(
                                cells,
                                "shadow",
                                "-0.02",
                                c -> JudgeBench.rate(c.sequential(), Act.ACT)));
        double wrongRollbackThreshold =
                Math.max(
                        JudgeBench.max(
                                cells,
                                "rollback",
                                "acc=0.82",
                                c -> JudgeBench.rate(c.threshold(), Act.ACT)),
                        JudgeBench.max(
                                cells,
                                "rollback",
                                "acc=0.80",
                                c -> JudgeBench.rate(c.threshold(), Act.ACT)));
        double wrongRollbackSequential =
                Math.max(
                        JudgeBench.max(
                                cells,
                                "rollback",
                                "acc=0.82",
                                c -> JudgeBench.rate(c.sequential(), Act.ACT)),
                        JudgeBench.max(
                                cells,
                                "rollback",
                                "acc=0.80",
                                c -> JudgeBench.rate(c.sequential(), Act.ACT)));
        double wrongAbortThreshold =
                JudgeBench.max(
                        cells, "canary", "+0.00", c -> JudgeBench.rate(c.threshold(), Act.ACT));
        double wrongAbortSequential =
                JudgeBench.max(
                        cells, "canary", "+0.00", c -> JudgeBench.rate(c.sequential(), Act.ACT));
        double wrongCanaryPromotionThreshold = worseCanaryPromoted(cells, true);
        double wrongCanaryPromotionSequential = worseCanaryPromoted(cells, false);
        Cell equal10 = cell(cells, "canary", "+0.00", 10);
        Cell worse10 = cell(cells, "canary", "-0.10", 10);
        Cell plus2 = cell(cells, "shadow", "+0.02", 100);
        long sequential80 = JudgeBench.quantileLabelsTo(plus2.sequential(), Act.ACT, 0.8);
        long fixed80 = fixedSampleLabels(0.02, 2 * JudgeBench.CHAMPION_ONLY + 0.02);
        System.out.printf(
                Locale.ROOT,
                "challenger +0.02 (traffic 100): 80 %% promoted after %d labels sequentially; a fixed-sample"
                        + " McNemar test at alpha 0.05 needs %d for power 0.8 (ratio %.2f)%n",
                sequential80,
                fixed80,
                sequential80 / (double) fixed80);
        System.out.printf(
                Locale.ROOT,
                "BENCH judge runs=%d seed=%d wrong_promotion threshold=%.4f sequential=%.4f"
                        + " wrong_rollback threshold=%.4f sequential=%.4f"
                        + " wrong_canary_abort threshold=%.4f sequential=%.4f"
                        + " wrong_canary_promotion threshold=%.4f sequential=%.4f"
                        + " canary_median_labels_traffic10 equal threshold=%d sequential=%d"
                        + " worse10 threshold=%d sequential=%d"
                        + " labels_to_promote_plus2_power80 sequential=%d fixed=%d ratio=%.2f seconds=%.0f%n",
                runs,
                seed,
                wrongPromotionThreshold,
                wrongPromotionSequential,
                wrongRollbackThreshold,
                wrongRollbackSequential,
                wrongAbortThreshold,
                wrongAbortSequential,
                wrongCanaryPromotionThreshold,
                wrongCanaryPromotionSequential,
                JudgeBench.medianLabelsToDecision(equal10.threshold()),
                JudgeBench.medianLabelsToDecision(equal10.sequential()),
                JudgeBench.medianLabelsToDecision(worse10.threshold()),
                JudgeBench.medianLabelsToDecision(worse10.sequential()),
                sequential80,
                fixed80,
                sequential80 / (double) fixed80,
                seconds);
    }

    /** The largest share of promoted canaries that are worse than stable by 5 or 10 points. */
    private static double worseCanaryPromoted(List<Cell> cells, boolean threshold) {
        double worst = 0;
        for (String scenario : List.of("-0.05", "-0.10")) {
            worst =
                    Math.max(
                            worst,
                            JudgeBench.max(
                                    cells,
                                    "canary",
                                    scenario,
                                    c ->
                                            JudgeBench.rate(
                                                    threshold ? c.threshold() : c.sequential(),
                                                    Act.STOP)));
        }
        return worst;
    }

    private static Cell cell(List<Cell> cells, String family, String scenario, int traffic) {
        return cells.stream()
                .filter(
                        c ->
                                c.family().equals(family)
                                        && c.scenario().equals(scenario)
                                        && c.traffic() == traffic)
                .findFirst()
                .orElseThrow();
    }
}
