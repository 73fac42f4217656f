package io.mlcycle.common;

/**
 * Rows in compressed sparse row form: row {@code r} has the non-zeros {@code cols[rowPtr[r] ..
 * rowPtr[r+1])} with {@code values} at the same positions, column indices ascending.
 */
public record SparseMatrix(
        String[] entities, int[] rowPtr, int[] cols, float[] values, int numFeatures) {

    public int rows() {
        return entities.length;
    }

    public long nonZeros() {
        return rowPtr[rowPtr.length - 1];
    }

    /** 1 − non-zeros / (rows × features); 1 for an empty matrix. */
    public double sparsity() {
        double cells = (double) rows() * numFeatures;
        return cells == 0 ? 1.0 : 1.0 - nonZeros() / cells;
    }

    /** Row {@code r} as a dense array (only for one row or one batch at a time). */
    public float[] denseRow(int r) {
        float[] out = new float[numFeatures];
        for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
            out[cols[k]] = values[k];
        }
        return out;
    }
}
