package io.mlcycle.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The quality benchmark's rows, their spread over repeated seeds, and its BENCH line. */
final class QualityTable {

    private QualityTable() {}

    /**
     * One training and its baselines on the split of one validation seed.
     *
     * @param mlSeconds the trainer subprocess (the pivot is counted once, on the row)
     */
    record Run(
            long seed,
            int rows,
            int features,
            double positiveRate,
            double mlAuc,
            double lrAuc,
            double xgbAuc,
            int top10Lr,
            int top10Xgb,
            double mlSeconds,
            double lrSeconds,
            double xgbSeconds,
            String algorithm,
            String hyperparameters,
            String lrDetail,
            int testRows) {

        /** mlcycle − the better baseline. */
        double delta() {
            return mlAuc - Math.max(lrAuc, xgbAuc);
        }
    }

    /** A data set: its runs, the default seed's first. */
    record Row(String name, List<Run> runs, double pivotSeconds) {

        Run first() {
            return runs.get(0);
        }

        /** mlcycle's seconds on the default seed: the pivot and the training. */
        double mlSeconds() {
            return pivotSeconds + first().mlSeconds();
        }

        double baselineSeconds() {
            return first().lrSeconds() + first().xgbSeconds();
        }

        double minDelta() {
            return runs.stream().mapToDouble(Run::delta).min().orElse(Double.NaN);
        }

        double maxDelta() {
            return runs.stream().mapToDouble(Run::delta).max().orElse(Double.NaN);
        }

        /** The sample standard deviation of the deltas over the seeds (NaN with one). */
        double sdDelta() {
            int n = runs.size();
            if (n < 2) {
                return Double.NaN;
            }
            double mean = runs.stream().mapToDouble(Run::delta).average().orElse(Double.NaN);
            double sq =
                    runs.stream().mapToDouble(r -> (r.delta() - mean) * (r.delta() - mean)).sum();
            return Math.sqrt(sq / (n - 1));
        }

        /** The default seed's columns as before, then the spread of delta over the seeds. */
        String format() {
            Run r = first();
            String spread =
                    runs.size() < 2
                            ? "-"
                            : String.format(
                                    Locale.ROOT,
                                    "%+.4f..%+.4f sd %.4f (%d seeds)",
                                    minDelta(),
                                    maxDelta(),
                                    sdDelta(),
                                    runs.size());
            return String.format(
                    Locale.ROOT,
                    "%-12s %6d %6d %6.3f | %7.4f %7.4f %7.4f | %-9s %-9s | %6.1f %6.1f"
                            + " %6.1f | %+7.4f %7s | %s%n",
                    name,
                    r.rows(),
                    r.features(),
                    r.positiveRate(),
                    r.mlAuc(),
                    r.lrAuc(),
                    r.xgbAuc(),
                    r.top10Lr() + "/10",
                    r.top10Xgb() + "/10",
                    mlSeconds(),
                    r.lrSeconds(),
                    r.xgbSeconds(),
                    r.delta(),
                    r.algorithm(),
                    spread);
        }
    }

    static String header() {
        return String.format(
                Locale.ROOT,
                "%-12s %6s %6s %6s | %7s %7s %7s | %-9s %-9s | %6s %6s %6s | %7s %7s | %s%n",
                "data set",
                "rows",
                "feats",
                "pos",
                "mlcycle",
                "logreg",
                "xgboost",
                "top10∩lr",
                "top10∩xgb",
                "s_ml",
                "s_lr",
                "s_xgb",
                "delta",
                "algo",
                "delta over seeds (min..max, sd)");
    }

    /**
     * The BENCH line: the fields of earlier runs (the default seed's deltas), then {@code better}
     * (data sets where mlcycle beats the better baseline), mlcycle's and the baselines' seconds on
     * the default seed and their ratio, the seeds, the lowest delta of any seed and the largest
     * standard deviation of a data set's deltas.
     */
    static String benchLine(List<Row> rows, int seeds, double seconds) {
        List<Double> deltas = new ArrayList<>();
        int better = 0;
        double ml = 0;
        double baselines = 0;
        double anySeed = Double.NaN;
        double maxSd = Double.NaN;
        for (Row r : rows) {
            deltas.add(r.first().delta());
            better += r.first().delta() > 0 ? 1 : 0;
            ml += r.mlSeconds();
            baselines += r.baselineSeconds();
            anySeed = Double.isNaN(anySeed) ? r.minDelta() : Math.min(anySeed, r.minDelta());
            if (!Double.isNaN(r.sdDelta())) {
                maxSd = Double.isNaN(maxSd) ? r.sdDelta() : Math.max(maxSd, r.sdDelta());
            }
        }
        double min = deltas.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double mean = deltas.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return String.format(
                Locale.ROOT,
                "BENCH quality datasets=%d min_delta_auc=%.4f mean_delta_auc=%.4f seconds=%.0f"
                        + " better=%d ml_seconds=%.0f baseline_seconds=%.0f time_ratio=%.2f"
                        + " seeds=%d min_delta_auc_any_seed=%.4f max_delta_sd=%.4f",
                rows.size(),
                min,
                mean,
                seconds,
                better,
                ml,
                baselines,
                ml / baselines,
                seeds,
                anySeed,
                maxSd);
    }
}
