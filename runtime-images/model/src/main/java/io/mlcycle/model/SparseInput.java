package io.mlcycle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Builds a sparse COO batch whose indices and values live in memory PyTorch owns, after checking
 * every index against the matrix shape.
 *
 * <p>DJL's {@code NDManager.createCoo} must not be used: it wraps the indices and values in tensors
 * over JVM direct buffers ({@code from_blob}, no copy), closes those wrappers, and PyTorch's sparse
 * tensor aliases them. Nothing then keeps the buffers reachable, so a garbage collection between
 * building the batch and the matrix product frees them and {@code addmm} reads whatever the memory
 * holds next ("index out of column bound: -4733529639660538340"). Here the wrappers are copied into
 * tensors PyTorch allocates before they are released.
 */
public final class SparseInput {

    private SparseInput() {}

    /**
     * A (rows, cols) sparse matrix with {@code values[k]} at ({@code rows[k]}, {@code cols[k]}),
     * attached to {@code manager}.
     *
     * @param batch names the batch in the error when an index is outside the shape
     * @throws IllegalStateException when an index is negative or beyond the shape
     */
    public static NDArray coo(
            NDManager manager,
            long[] rows,
            long[] cols,
            float[] values,
            Shape shape,
            String batch) {
        int nnz = values.length;
        if (rows.length != nnz || cols.length != nnz || shape.dimension() != 2) {
            throw new IllegalArgumentException(
                    batch
                            + ": "
                            + rows.length
                            + " row indices, "
                            + cols.length
                            + " column indices and "
                            + nnz
                            + " values for shape "
                            + shape);
        }
        long numRows = shape.get(0);
        long numCols = shape.get(1);
        long[] indices = new long[2 * nnz];
        for (int k = 0; k < nnz; k++) {
            long r = rows[k];
            long c = cols[k];
            if (r < 0 || r >= numRows) {
                throw outside(batch, "row", r, k, numRows);
            }
            if (c < 0 || c >= numCols) {
                throw outside(batch, "column", c, k, numCols);
            }
            indices[k] = r;
            indices[nnz + k] = c;
        }
        try (NDManager scratch = manager.newSubManager()) {
            // create(...) copies into a direct buffer that PyTorch only borrows; duplicate() is a
            // torch clone into memory PyTorch allocates, which the sparse tensor then keeps alive
            NDArray idx = scratch.create(indices, new Shape(2, nnz)).duplicate();
            NDArray val = scratch.create(values).duplicate();
            NDArray coo = JniUtils.createSparseCoo((PtNDArray) idx, (PtNDArray) val, shape);
            coo.attach(manager);
            return coo;
        }
    }

    private static IllegalStateException outside(
            String batch, String axis, long index, int entry, long bound) {
        return new IllegalStateException(
                batch
                        + ": "
                        + axis
                        + " index "
                        + index
                        + " at entry "
                        + entry
                        + " is outside 0.."
                        + (bound - 1));
    }
}
