package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.analysis.MetricsEndpoint;

import java.util.Map;

/**
 * The server's per-feature series (FeatureDrift) of one version on a {@link MetricsEndpoint}: four
 * features with training shares [absent 0.4, bins 0–2 0.2 each]; served, e1 and e2 follow them, e0
 * is always in the top bin and e3 never sent.
 */
final class DriftedFeatures {

    private static final String[] BINS = {"absent", "0", "1", "2"};
    private static final double[] TRAINING = {0.4, 0.2, 0.2, 0.2};

    /** Served per tick of 10 rows, by feature: [absent, bin 0, bin 1, bin 2]. */
    private static final Map<String, double[]> PER_TICK =
            Map.of(
                    "events/e0", new double[] {0, 0, 0, 10},
                    "events/e1", new double[] {4, 2, 2, 2},
                    "events/e2", new double[] {4, 2, 2, 2},
                    "events/e3", new double[] {10, 0, 0, 0});

    private DriftedFeatures() {}

    private static String series(
            String metric, String deployment, int version, String feature, String bin) {
        return metric
                + "{deployment=\""
                + deployment
                + "\",version=\""
                + version
                + "\",feature=\""
                + feature
                + "\",bin=\""
                + bin
                + "\"}";
    }

    /** The training shares and zero counters, before Prometheus first scrapes. */
    static void export(MetricsEndpoint metrics, String deployment, int version) {
        for (String feature : PER_TICK.keySet()) {
            for (int b = 0; b < BINS.length; b++) {
                metrics.set(
                        series(
                                "mlcycle_feature_training_share",
                                deployment,
                                version,
                                feature,
                                BINS[b]),
                        TRAINING[b]);
                metrics.set(
                        series("mlcycle_feature_bin_total", deployment, version, feature, BINS[b]),
                        0);
            }
        }
    }

    /** Ten more rows served. */
    static void tick(MetricsEndpoint metrics, String deployment, int version) {
        PER_TICK.forEach(
                (feature, counts) -> {
                    for (int b = 0; b < BINS.length; b++) {
                        metrics.add(
                                series(
                                        "mlcycle_feature_bin_total",
                                        deployment,
                                        version,
                                        feature,
                                        BINS[b]),
                                counts[b]);
                    }
                });
    }
}
