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

    static void print(List<Cell> cells, long oracle80, int runs, long seed, double seconds) {
        List<String> notBetter = List.of("+0.00", "-0.02");
        List<String> aboveMin = List.of("acc=0.82", "acc=0.80");
        List<String> equal = List.of("+0.00");
        List<String> worse = List.of("-0.05", "-0.10");
        double wrongPromotionThreshold = worst(cells, "shadow", notBetter, true, Act.ACT);
        double wrongPromotionSequential = worst(cells, "shadow", notBetter, false, Act.ACT);
        double wrongRollbackThreshold = worst(cells, "rollback", aboveMin, true, Act.ACT);
        double wrongRollbackSequential = worst(cells, "rollback", aboveMin, false, Act.ACT);
        double wrongAbortThreshold = worst(cells, "canary", equal, true, Act.ACT);
        double wrongAbortSequential = worst(cells, "canary", equal, false, Act.ACT);
        double wrongCanaryPromotionThreshold = worst(cells, "canary", worse, true, Act.STOP);
        double wrongCanaryPromotionSequential = worst(cells, "canary", worse, false, Act.STOP);
        Cell equal10 = cell(cells, "canary", "+0.00", 10);
        Cell worse10 = cell(cells, "canary", "-0.10", 10);
        Cell plus2 = cell(cells, "shadow", "+0.02", 100);
        long sequential80 = JudgeBench.quantileLabelsTo(plus2.sequential(), Act.ACT, 0.8);
        long fixed80 = fixedSampleLabels(0.02, 2 * JudgeBench.CHAMPION_ONLY + 0.02);
        System.out.printf(
                Locale.ROOT,
                "challenger +0.02 (traffic 100): 80 %% promoted after %d labels sequentially; a fixed-sample"
                        + " McNemar test at alpha 0.05 needs %d for power 0.8 (ratio %.2f); the SPRT"
                        + " that knows the true effect: %d (ratio %.2f)%n",
                sequential80,
                fixed80,
                sequential80 / (double) fixed80,
                oracle80,
                oracle80 / (double) fixed80);
        System.out.printf(
                Locale.ROOT,
                "BENCH judge runs=%d seed=%d wrong_promotion threshold=%.4f sequential=%.4f"
                        + " wrong_rollback threshold=%.4f sequential=%.4f"
                        + " wrong_canary_abort threshold=%.4f sequential=%.4f"
                        + " wrong_canary_promotion threshold=%.4f sequential=%.4f"
                        + " canary_median_labels_traffic10 equal threshold=%d sequential=%d"
                        + " worse10 threshold=%d sequential=%d"
                        + " labels_to_promote_plus2_power80 sequential=%d fixed=%d ratio=%.2f"
                        + " oracle_sprt=%d oracle_ratio=%.2f seconds=%.0f%n",
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
                oracle80,
                oracle80 / (double) fixed80,
                seconds);
    }

    /**
     * The largest share of runs that ended in {@code act} over the scenarios of a family, for the
     * threshold rule or the sequential one.
     */
    private static double worst(
            List<Cell> cells, String family, List<String> scenarios, boolean threshold, Act act) {
        double worst = 0;
        for (String scenario : scenarios) {
            worst =
                    Math.max(
                            worst,
                            JudgeBench.max(
                                    cells,
                                    family,
                                    scenario,
                                    c ->
                                            JudgeBench.rate(
                                                    threshold ? c.threshold() : c.sequential(),
                                                    act)));
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
