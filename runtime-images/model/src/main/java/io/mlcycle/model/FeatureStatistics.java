package io.mlcycle.model;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Per-feature statistics of the training table, stored next to the model as {@value #FILE}: the
 * share of rows where the feature is present (non-zero, as a sparse row leaves it out) and the
 * quantile bins of its present values. The server counts what it serves into the same bins, so
 * training–serving skew is a comparison of two histograms (the operator's built-in {@code skew}).
 *
 * @param rows training rows the statistics were taken from
 * @param features one entry per model feature, in the model's input order
 */
public record FeatureStatistics(long rows, List<Feature> features) {

    public static final String FILE = "statistics.json";

    /** Bins of present values (deciles). */
    public static final int BINS = 10;

    /**
     * One feature.
     *
     * @param presence share of rows with the feature present
     * @param edges ascending cut points; bin i holds values in [edges[i-1], edges[i])
     * @param fractions share of the present values in each bin (edges.length + 1 of them)
     */
    public record Feature(String name, double presence, double[] edges, double[] fractions) {

        /** The bin of a present value. */
        public int bin(double v) {
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (v >= edges[mid]) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /**
         * The training distribution over [absent, bin 0, bin 1, …], the shares the served counts
         * are compared with.
         */
        public double[] expected() {
            double[] e = new double[fractions.length + 1];
            e[0] = 1 - presence;
            for (int i = 0; i < fractions.length; i++) {
                e[i + 1] = presence * fractions[i];
            }
            return e;
        }
    }

    /** The statistics of each column of {@code x}, named by {@code names}. */
    public static FeatureStatistics of(SparseMatrix x, List<String> names) {
        if (names.size() != x.numFeatures()) {
            throw new IllegalArgumentException(
                    names.size() + " names for " + x.numFeatures() + " feature columns");
        }
        int n = x.numFeatures();
        float[][] present = new float[n][];
        int[] count = new int[n];
        for (int k = 0; k < x.nonZeros(); k++) {
            count[x.cols()[k]]++;
        }
        for (int j = 0; j < n; j++) {
            present[j] = new float[count[j]];
        }
        int[] fill = new int[n];
        for (int k = 0; k < x.nonZeros(); k++) {
            int j = x.cols()[k];
            if (x.values()[k] != 0) {
                present[j][fill[j]++] = x.values()[k];
            }
        }
        List<Feature> features = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            float[] v = Arrays.copyOf(present[j], fill[j]);
            Arrays.sort(v);
            features.add(feature(names.get(j), v, x.rows()));
        }
        return new FeatureStatistics(x.rows(), List.copyOf(features));
    }

    /** One feature's statistics from its non-zero values, ascending, among {@code rows} rows. */
    public static Feature feature(String name, float[] sorted, long rows) {
        double[] cuts = new double[BINS - 1];
        int m = 0;
        for (int q = 1; q < BINS && sorted.length > 0; q++) {
            double cut =
                    sorted[(int) Math.min(sorted.length - 1L, (long) q * sorted.length / BINS)];
            // equal cut points would leave empty bins between them
            if ((m == 0 || cut > cuts[m - 1]) && cut > sorted[0]) {
                cuts[m++] = cut;
            }
        }
        double[] edges = Arrays.copyOf(cuts, m);
        Feature shape = new Feature(name, 0, edges, new double[m + 1]);
        double[] fractions = new double[m + 1];
        for (float v : sorted) {
            fractions[shape.bin(v)]++;
        }
        for (int i = 0; i < fractions.length && sorted.length > 0; i++) {
            fractions[i] /= sorted.length;
        }
        return new Feature(name, rows == 0 ? 0 : (double) sorted.length / rows, edges, fractions);
    }

    /** Writes {@value #FILE} into {@code dir}. */
    public void write(Path dir) throws IOException {
        TaskJson.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve(FILE).toFile(), this);
    }

    /** The statistics stored in {@code dir}; empty for a model trained before they were stored. */
    public static Optional<FeatureStatistics> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(TaskJson.MAPPER.readValue(file.toFile(), FeatureStatistics.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
