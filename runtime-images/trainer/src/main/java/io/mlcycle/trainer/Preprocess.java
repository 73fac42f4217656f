package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Feature pruning computed on the sparse data, never on a dense copy. */
public final class Preprocess {

    private Preprocess() {}

    /**
     * @param keep surviving column positions, ascending
     * @param dropped dropped feature name → why
     */
    public record Pruned(int[] keep, Map<String, String> dropped) {}

    /**
     * Drops one of each pair of features whose |Pearson r| over the rows of {@code x} is above
     * {@code threshold}: the later feature of the pair goes, the earlier is kept. Co-occurrence
     * sums come from a pass over each row's non-zeros (cost Σ nnz(row)²); a pair that never
     * co-occurs still gets its exact r from the means.
     */
    public static Pruned dropCorrelated(SparseMatrix x, List<String> names, double threshold) {
        int f = x.numFeatures();
        int n = x.rows();
        double[] sum = new double[f];
        double[] sumSq = new double[f];
        for (int k = 0; k < x.nonZeros(); k++) {
            double v = x.values()[k];
            sum[x.cols()[k]] += v;
            sumSq[x.cols()[k]] += v * v;
        }
        double[] mean = new double[f];
        double[] sd = new double[f];
        for (int j = 0; j < f; j++) {
            mean[j] = sum[j] / n;
            sd[j] = Math.sqrt(Math.max(0, sumSq[j] / n - mean[j] * mean[j]));
        }
        // column view: rows holding each feature, and that value
        int[] colPtr = new int[f + 1];
        for (int k = 0; k < x.nonZeros(); k++) {
            colPtr[x.cols()[k] + 1]++;
        }
        for (int j = 0; j < f; j++) {
            colPtr[j + 1] += colPtr[j];
        }
        int[] colRows = new int[(int) x.nonZeros()];
        float[] colVals = new float[(int) x.nonZeros()];
        int[] fill = colPtr.clone();
        for (int r = 0; r < n; r++) {
            for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                int c = x.cols()[k];
                colRows[fill[c]] = r;
                colVals[fill[c]++] = x.values()[k];
            }
        }
        boolean[] drop = new boolean[f];
        Map<String, String> dropped = new LinkedHashMap<>();
        double[] cross = new double[f];
        for (int j = 0; j < f; j++) {
            if (drop[j] || sd[j] == 0) {
                continue;
            }
            for (int p = colPtr[j]; p < colPtr[j + 1]; p++) {
                int r = colRows[p];
                double xj = colVals[p];
                for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                    int c = x.cols()[k];
                    if (c > j) {
                        cross[c] += xj * x.values()[k];
                    }
                }
            }
            for (int c = j + 1; c < f; c++) {
                double s = cross[c];
                cross[c] = 0;
                if (drop[c] || sd[c] == 0) {
                    continue;
                }
                double r = (s / n - mean[j] * mean[c]) / (sd[j] * sd[c]);
                if (Math.abs(r) > threshold) {
                    drop[c] = true;
                    dropped.put(
                            names.get(c),
                            String.format(Locale.ROOT, "correlated %.4f with %s", r, names.get(j)));
                }
            }
        }
        List<Integer> keep = new ArrayList<>();
        for (int j = 0; j < f; j++) {
            if (!drop[j]) {
                keep.add(j);
            }
        }
        return new Pruned(keep.stream().mapToInt(Integer::intValue).toArray(), dropped);
    }
}
