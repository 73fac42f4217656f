package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class BoostingThreadsTest {

    @Test
    void aFitOnFewRowsRunsOnOneThreadAndALargerOneOnEveryProcessor() {
        assertThat(LocalBoosting.threads(166, 2)).isEqualTo(1);
        assertThat(LocalBoosting.threads(LocalBoosting.ONE_THREAD_ROWS - 1, 16)).isEqualTo(1);
        assertThat(LocalBoosting.threads(LocalBoosting.ONE_THREAD_ROWS, 16)).isEqualTo(16);
        assertThat(LocalBoosting.threads(50_000, 2)).isEqualTo(2);
    }

    @Test
    void oneThreadBoostsTheSameTreesAsTwo() {
        Random rnd = new Random(3);
        int rows = 800;
        int features = 20;
        String[] ids = new String[rows];
        int[] ptr = new int[rows + 1];
        int[] cols = new int[rows * features];
        float[] vals = new float[rows * features];
        int[] y = new int[rows];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            ids[r] = "e" + r;
            double z = 0;
            for (int j = 0; j < features; j++) {
                float v = (float) rnd.nextGaussian();
                z += j < 5 ? v : 0;
                cols[n] = j;
                vals[n++] = v;
            }
            ptr[r + 1] = n;
            y[r] = rnd.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        SparseMatrix x = new SparseMatrix(ids, ptr, cols, vals, features);
        int[] train = Arrays.copyOfRange(Trainer.identity(rows), 0, 640);
        int[] valid = Arrays.copyOfRange(Trainer.identity(rows), 640, rows);
        BoostingEngine.Trained one = new LocalBoosting(1).train(x, y, train, valid, 6, 60, 30, 42);
        BoostingEngine.Trained two = new LocalBoosting(2).train(x, y, train, valid, 6, 60, 30, 42);

        assertThat(one.validationAuc()).isEqualTo(two.validationAuc());
        assertThat(new String(one.json(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(two.json(), java.nio.charset.StandardCharsets.UTF_8));
    }
}
