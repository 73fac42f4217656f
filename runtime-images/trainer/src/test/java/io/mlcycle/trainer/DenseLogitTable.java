package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;

import java.util.Random;

/** Dense Gaussian features whose labels follow a known linear log-odds (a logistic model's law). */
final class DenseLogitTable {

    private DenseLogitTable() {}

    /**
     * {@code y.length} rows of standard normal features, each labelled 1 with probability
     * sigmoid({@code intercept} + truth · x); {@code y} is filled.
     */
    static SparseMatrix draw(int[] y, double[] truth, double intercept, Random rnd) {
        int features = truth.length;
        int[] rowPtr = new int[y.length + 1];
        int[] cols = new int[y.length * features];
        float[] vals = new float[cols.length];
        String[] entities = new String[y.length];
        int k = 0;
        for (int r = 0; r < y.length; r++) {
            entities[r] = "e" + r;
            double z = intercept;
            for (int j = 0; j < features; j++, k++) {
                cols[k] = j;
                vals[k] = (float) rnd.nextGaussian();
                z += truth[j] * vals[k];
            }
            rowPtr[r + 1] = k;
            y[r] = rnd.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        return new SparseMatrix(entities, rowPtr, cols, vals, features);
    }
}
