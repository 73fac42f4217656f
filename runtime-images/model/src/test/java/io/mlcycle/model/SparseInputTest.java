package io.mlcycle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class SparseInputTest {

    private static final int ROWS = 64;
    private static final int COLS = 50;
    private static final int HIDDEN = 4;

    @Test
    void cooBatchKeepsItsIndicesAndValuesAcrossGarbageCollection() throws Exception {
        Random rnd = new Random(7);
        try (NDManager manager = Djl.newManager()) {
            float[] w = new float[COLS * HIDDEN];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextFloat() - 0.5f;
            }
            NDArray weights = manager.create(w, new Shape(COLS, HIDDEN));
            for (int batch = 0; batch < 20; batch++) {
                int nnz = 2000;
                long[] rows = new long[nnz];
                long[] cols = new long[nnz];
                float[] vals = new float[nnz];
                for (int k = 0; k < nnz; k++) {
                    rows[k] = rnd.nextInt(ROWS);
                    cols[k] = rnd.nextInt(COLS);
                    vals[k] = rnd.nextFloat();
                }
                double[] expected = new double[ROWS * HIDDEN];
                for (int k = 0; k < nnz; k++) {
                    for (int h = 0; h < HIDDEN; h++) {
                        expected[(int) rows[k] * HIDDEN + h] +=
                                vals[k] * w[(int) cols[k] * HIDDEN + h];
                    }
                }
                try (NDManager bm = manager.newSubManager()) {
                    NDArray x =
                            SparseInput.coo(
                                    bm, rows, cols, vals, new Shape(ROWS, COLS), "batch " + batch);
                    // what a busy trainer does between building a batch and the native op: the
                    // JVM collects garbage and the freed native memory is handed out again
                    churn(nnz * 16);
                    float[] got = x.matMul(weights).toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertThat((double) got[i])
                                .as("batch %d output %d", batch, i)
                                .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-3));
                    }
                }
            }
        }
    }

    private static void churn(int bytes) throws InterruptedException {
        System.gc();
        Thread.sleep(20);
        List<ByteBuffer> fill = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(bytes);
            while (b.hasRemaining()) {
                b.put((byte) 0xA5);
            }
            fill.add(b);
        }
        fill.clear();
    }

    @Test
    void anIndexOutsideTheMatrixIsRejectedNamingTheBatch() {
        try (NDManager manager = Djl.newManager()) {
            assertThatThrownBy(
                            () ->
                                    SparseInput.coo(
                                            manager,
                                            new long[] {0, 1},
                                            new long[] {3, 50},
                                            new float[] {1f, 2f},
                                            new Shape(2, 50),
                                            "epoch 0 batch 3"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("epoch 0 batch 3")
                    .hasMessageContaining("column index 50");
            assertThatThrownBy(
                            () ->
                                    SparseInput.coo(
                                            manager,
                                            new long[] {0, -1},
                                            new long[] {3, 4},
                                            new float[] {1f, 2f},
                                            new Shape(2, 50),
                                            "epoch 1 batch 0"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("epoch 1 batch 0")
                    .hasMessageContaining("row index -1");
        }
    }
}
