package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.FeatureStatistics;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What the server serves, per feature, in the training statistics' bins: rows, and for each feature
 * its present values counted into the training quantile bins (absent = rows − present). Exported as
 * {@code mlcycle_feature_bin_total{feature, bin}} ({@code bin} "absent", "0", "1", …) beside {@code
 * mlcycle_feature_training_share{feature, bin}}, the training table's shares of the same bins, so
 * the operator's {@code skew} needs nothing but Prometheus.
 */
final class FeatureDrift {

    static final String ABSENT = "absent";

    private final List<FeatureStatistics.Feature> features;

    /** Model column → index into {@link #features}, -1 for a column without statistics. */
    private final int[] statisticsOf;

    private final LongAdder rows = new LongAdder();

    /** [feature][bin] present values counted. */
    private final LongAdder[][] bins;

    private FeatureDrift(List<FeatureStatistics.Feature> features, int[] statisticsOf) {
        this.features = features;
        this.statisticsOf = statisticsOf;
        this.bins = new LongAdder[features.size()][];
        for (int f = 0; f < bins.length; f++) {
            bins[f] = new LongAdder[features.get(f).fractions().length];
            for (int b = 0; b < bins[f].length; b++) {
                bins[f][b] = new LongAdder();
            }
        }
    }

    /** For a model whose input columns are {@code featureIndex}; features it lacks are ignored. */
    static FeatureDrift of(FeatureStatistics statistics, Map<String, Integer> featureIndex) {
        int[] statisticsOf = new int[featureIndex.size()];
        java.util.Arrays.fill(statisticsOf, -1);
        List<FeatureStatistics.Feature> kept =
                statistics.features().stream()
                        .filter(f -> featureIndex.containsKey(f.name()))
                        .toList();
        for (int f = 0; f < kept.size(); f++) {
            statisticsOf[featureIndex.get(kept.get(f).name())] = f;
        }
        return new FeatureDrift(kept, statisticsOf);
    }

    /** Counts the rows scored, leaving out those {@code skip} marks (null: none). */
    void observe(SparseMatrix m, boolean[] skip) {
        int[] rowPtr = m.rowPtr();
        int[] cols = m.cols();
        float[] values = m.values();
        long counted = 0;
        for (int r = 0; r < m.rows(); r++) {
            if (skip != null && skip[r]) {
                continue;
            }
            counted++;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int f = statisticsOf[cols[k]];
                if (f >= 0 && values[k] != 0) {
                    bins[f][features.get(f).bin(values[k])].increment();
                }
            }
        }
        rows.add(counted);
    }

    /** The served count of one feature's bin; bin -1 is absent. */
    long served(int feature, int bin) {
        if (bin >= 0) {
            return bins[feature][bin].sum();
        }
        long present = 0;
        for (LongAdder b : bins[feature]) {
            present += b.sum();
        }
        return Math.max(0, rows.sum() - present);
    }

    List<FeatureStatistics.Feature> features() {
        return features;
    }

    /** One bin of one feature: its label, the rows served into it, its training share. */
    private interface BinVisitor {
        void visit(String feature, String bin, long served, double share);
    }

    /** Every bin of every feature ("absent" first) of whatever {@code drift} gives now. */
    private static void eachBin(Supplier<FeatureDrift> drift, BinVisitor each) {
        FeatureDrift d = drift.get();
        if (d == null) {
            return;
        }
        for (int f = 0; f < d.features.size(); f++) {
            String name = d.features.get(f).name();
            double[] expected = d.features.get(f).expected();
            for (int b = -1; b < d.bins[f].length; b++) {
                each.visit(
                        name, b < 0 ? ABSENT : String.valueOf(b), d.served(f, b), expected[b + 1]);
            }
        }
    }

    /**
     * Registers the series; they read whatever {@code drift} gives at scrape time (nothing while no
     * model with statistics is loaded).
     */
    static void register(
            PrometheusRegistry registry, Labels constant, Supplier<FeatureDrift> drift) {
        CounterWithCallback.builder()
                .name("mlcycle_feature_rows_total")
                .help("Rows scored and counted into the feature bins")
                .constLabels(constant)
                .callback(
                        cb -> {
                            FeatureDrift d = drift.get();
                            if (d != null) {
                                cb.call(d.rows.sum());
                            }
                        })
                .register(registry);
        CounterWithCallback.builder()
                .name("mlcycle_feature_bin_total")
                .help(
                        "Served rows by feature and training quantile bin (absent: the feature"
                                + " was missing or 0)")
                .labelNames("feature", "bin")
                .constLabels(constant)
                .callback(cb -> eachBin(drift, (f, bin, served, share) -> cb.call(served, f, bin)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("mlcycle_feature_training_share")
                .help("Share of the training rows in each feature bin (absent included)")
                .labelNames("feature", "bin")
                .constLabels(constant)
                .callback(cb -> eachBin(drift, (f, bin, served, share) -> cb.call(share, f, bin)))
                .register(registry);
    }
}
