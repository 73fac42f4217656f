package io.mlcycle.operator.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The built-in {@code skew} metric as a pure function: the server's served counts per feature and
 * training bin against the training shares of the same bins → the largest population stability
 * index, naming the most drifted features.
 */
public final class Skew {

    /** Added to every share before the logarithm, so an empty bin does not make PSI infinite. */
    static final double EPSILON = 1e-4;

    /** Features named in the message, at most. */
    static final int TOP = 3;

    /** PSI from which a feature is named beside the most drifted one. */
    static final double NAMED_FROM = 0.01;

    private Skew() {}

    /** One feature's drift. */
    public record Drift(String feature, double psi) {}

    /**
     * The served window's series {@code mlcycle_feature_bin_total} (summed by feature and bin) and
     * {@code mlcycle_feature_training_share} (by feature and bin) → max PSI over the features, the
     * top ones in the detail; inconclusive without training shares or served rows.
     */
    public static QueryResult judge(
            List<PrometheusClient.Series> served, List<PrometheusClient.Series> training) {
        if (training.isEmpty()) {
            return QueryResult.inconclusive(
                    "no training statistics exported (mlcycle_feature_training_share): the"
                            + " version was trained without them or no pod of it is scraped");
        }
        Map<String, Map<String, Double>> expected = byFeature(training);
        Map<String, Map<String, Double>> counts = byFeature(served);
        List<Drift> drifts = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Map<String, Double> c = counts.getOrDefault(e.getKey(), Map.of());
            double total = c.values().stream().mapToDouble(Double::doubleValue).sum();
            if (total <= 0) {
                continue;
            }
            double psi = 0;
            for (var bin : e.getValue().entrySet()) {
                double a = c.getOrDefault(bin.getKey(), 0.0) / total + EPSILON;
                double x = bin.getValue() + EPSILON;
                psi += (a - x) * Math.log(a / x);
            }
            drifts.add(new Drift(e.getKey(), psi));
        }
        if (drifts.isEmpty()) {
            return QueryResult.inconclusive("no rows served in the window");
        }
        drifts.sort(Comparator.comparingDouble(Drift::psi).reversed());
        // a feature below NAMED_FROM is not worth a person's attention, unless nothing is above it
        String top =
                drifts.stream()
                        .limit(TOP)
                        .filter(d -> d == drifts.get(0) || d.psi() >= NAMED_FROM)
                        .map(d -> d.feature() + " (PSI " + format(d.psi()) + ")")
                        .collect(Collectors.joining(", "));
        return new QueryResult.Value(drifts.get(0).psi(), "most drifted: " + top);
    }

    private static Map<String, Map<String, Double>> byFeature(List<PrometheusClient.Series> s) {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (PrometheusClient.Series series : s) {
            String feature = series.labels().get("feature");
            String bin = series.labels().get("bin");
            if (feature != null && bin != null && Double.isFinite(series.value())) {
                out.computeIfAbsent(feature, f -> new TreeMap<>())
                        .merge(bin, series.value(), Double::sum);
            }
        }
        return out;
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
