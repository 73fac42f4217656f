package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class FitTest {

    private static final int ROWS = 400;
    private static final int FEATURES = 300;

    @Test
    void trainingUnderGarbageCollectionPressureMatchesAQuietRun() throws Exception {
        Random rnd = new Random(3);
        int[] rowPtr = new int[ROWS + 1];
        int[] cols = new int[ROWS * 12];
        float[] vals = new float[cols.length];
        int[] y = new int[ROWS];
        String[] entities = new String[ROWS];
        int k = 0;
        for (int r = 0; r < ROWS; r++) {
            entities[r] = "u" + r;
            int c = rnd.nextInt(20);
            for (int i = 0; i < 12; i++, k++) {
                cols[k] = c;
                vals[k] = 1 + rnd.nextInt(4);
                c += 1 + rnd.nextInt(20);
            }
            rowPtr[r + 1] = k;
            y[r] = vals[rowPtr[r]] > 2 ? 1 : 0;
        }
        SparseMatrix x = new SparseMatrix(entities, rowPtr, cols, vals, FEATURES);
        float[] scale = new float[FEATURES];
        Arrays.fill(scale, 0.25f);
        int[] rows = new int[ROWS];
        Arrays.setAll(rows, i -> i);
        Fit.Params p = new Fit.Params(0.01, "adam", 2, 16, 8, 1, 0.0, 0.0);

        Map<String, float[]> quiet = Fit.train(Algorithm.MLP, p, x, scale, y, rows, 11);

        // a collector that keeps freeing and re-handing-out native memory while batches are built
        // and used: a batch whose tensors borrow JVM buffers then reads garbage (the addmm "index
        // out of column bound" crash, or silently wrong values)
        AtomicBoolean stop = new AtomicBoolean();
        Thread churn =
                new Thread(
                        () -> {
                            while (!stop.get()) {
                                System.gc();
                                for (int i = 0; i < 8; i++) {
                                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                                    while (b.hasRemaining()) {
                                        b.put((byte) 0xA5);
                                    }
                                }
                            }
                        });
        churn.setDaemon(true);
        churn.start();
        Map<String, float[]> busy;
        try {
            busy = Fit.train(Algorithm.MLP, p, x, scale, y, rows, 11);
        } finally {
            stop.set(true);
            churn.join();
        }
        assertThat(busy.keySet()).isEqualTo(quiet.keySet());
        for (String name : quiet.keySet()) {
            assertThat(busy.get(name)).as(name).containsExactly(quiet.get(name));
        }
    }
}
