package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;

import java.util.Random;

/** Small dense tables with a threshold law, for the boosting tests. */
final class BoostingTables {

    private BoostingTables() {}

    /** Dense random features in 1..9, every row non-zero everywhere. */
    static SparseMatrix table(int rows, int features, long seed) {
        Random rnd = new Random(seed);
        String[] ids = new String[rows];
        int[] ptr = new int[rows + 1];
        int[] cols = new int[rows * features];
        float[] vals = new float[rows * features];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            ids[r] = "e" + r;
            for (int j = 0; j < features; j++) {
                cols[n] = j;
                vals[n++] = 1 + rnd.nextInt(9);
            }
            ptr[r + 1] = n;
        }
        return new SparseMatrix(ids, ptr, cols, vals, features);
    }

    /** A noisy threshold law on the first two features: 0.75 or 0.25 positive. */
    static int[] labels(SparseMatrix x, long seed) {
        Random rnd = new Random(seed);
        int[] y = new int[x.rows()];
        for (int r = 0; r < y.length; r++) {
            int k = x.rowPtr()[r];
            boolean signal = (x.values()[k] > 5) ^ (x.values()[k + 1] > 4);
            y[r] = rnd.nextDouble() < (signal ? 0.75 : 0.25) ? 1 : 0;
        }
        return y;
    }
}
