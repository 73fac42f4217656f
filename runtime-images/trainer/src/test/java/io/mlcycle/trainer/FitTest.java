package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.InputScaling;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class FitTest {

    private static final int ROWS = 400;
    private static final int FEATURES = 300;

    /** Rows whose label is whether their first feature's count is above 2. */
    static SparseMatrix data(int[] y) {
        Random rnd = new Random(3);
        int[] rowPtr = new int[ROWS + 1];
        int[] cols = new int[ROWS * 12];
        float[] vals = new float[cols.length];
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
        return new SparseMatrix(entities, rowPtr, cols, vals, FEATURES);
    }

    @Test
    void trainingUnderGarbageCollectionPressureMatchesAQuietRun() throws Exception {
        int[] y = new int[ROWS];
        SparseMatrix x = data(y);
        float[] scale = scale();
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

    @Test
    void earlyStoppingKeepsTheBestEpochAndStopsAfterThePatienceRunsOut() {
        int[] y = new int[ROWS];
        SparseMatrix x = data(y);
        int[] rows = new int[ROWS];
        Arrays.setAll(rows, i -> i);
        // a learning rate high enough that the held-out AUC stops improving well before 30 epochs
        Fit.Params p = new Fit.Params(0.05, "adam", 30, 16, 8, 1, 0.0, 0.0);
        Fit.EarlyStopping stop = new Fit.EarlyStopping(0.25, 2, "auc");
        Fit.Fitted f =
                Fit.fit(Algorithm.MLP, p, x, InputScaling.multipliers(scale()), y, rows, 5, stop);
        assertThat(f.history()).hasSize(f.epochs());
        assertThat(f.epochs()).isLessThan(30);
        assertThat(f.epochs() - f.bestEpoch()).isEqualTo(2);
        double best = f.history().get(f.bestEpoch() - 1);
        assertThat(f.history()).allSatisfy(v -> assertThat(v).isLessThanOrEqualTo(best));
        assertThat(f.history().subList(0, f.bestEpoch() - 1))
                .allSatisfy(v -> assertThat(v).isLessThan(best));

        // the kept parameters are that epoch's: scoring the same held-out rows gives its AUC
        Splits.Split inner = Splits.holdout(y, 0.25, 5);
        float[] scores =
                Validator.score(
                        Algorithm.MLP,
                        p,
                        f.params(),
                        x,
                        InputScaling.multipliers(scale()),
                        inner.test());
        assertThat(Metrics.auc(scores, Validator.labelsOf(y, inner.test()))).isEqualTo(best);
    }

    @Test
    void earlyStoppingHoldsOutRowsOnlyFromTheRowsItTrainsOn() {
        int[] y = new int[ROWS];
        SparseMatrix x = data(y);
        int[] rows = new int[ROWS / 2];
        Arrays.setAll(rows, i -> 2 * i);
        Fit.Params p = new Fit.Params(0.01, "adam", 3, 16, 8, 1, 0.0, 0.0);
        Fit.EarlyStopping stop = new Fit.EarlyStopping(0.2, 1, "auc");
        InputScaling scaling = InputScaling.multipliers(scale());
        Fit.Fitted first = Fit.fit(Algorithm.MLP, p, x, scaling, y, rows, 9, stop);
        // flip every label outside rows: a fit that looked at them would change
        int[] flipped = y.clone();
        for (int r = 1; r < ROWS; r += 2) {
            flipped[r] = 1 - flipped[r];
        }
        Fit.Fitted second = Fit.fit(Algorithm.MLP, p, x, scaling, flipped, rows, 9, stop);
        assertThat(second.history()).isEqualTo(first.history());
        for (String name : first.params().keySet()) {
            assertThat(second.params().get(name))
                    .as(name)
                    .containsExactly(first.params().get(name));
        }
    }

    @Test
    void cosineScheduleDecaysFromTheLearningRateToZero() {
        assertThat(Fit.cosine(0.01f, 1, 100)).isEqualTo(0.01f);
        assertThat(Fit.cosine(0.01f, 51, 100)).isCloseTo(0.005f, within(1e-7f));
        assertThat(Fit.cosine(0.01f, 101, 100)).isCloseTo(0f, within(1e-9f));
        assertThat(Fit.cosine(0.01f, 500, 100)).isCloseTo(0f, within(1e-9f));
    }

    @Test
    void theScalingMethodReachesTraining() {
        int[] y = new int[ROWS];
        SparseMatrix x = data(y);
        int[] rows = new int[ROWS];
        Arrays.setAll(rows, i -> i);
        java.util.List<Double> min = java.util.Collections.nCopies(FEATURES, 1.0);
        java.util.List<Double> max = java.util.Collections.nCopies(FEATURES, 4.0);
        Fit.Params p = new Fit.Params(0.01, "adam", 2, 16, 8, 1, 0.0, 0.0, "cosine");
        InputScaling log = InputScaling.of(InputScaling.Method.LOG, min, max);
        InputScaling minmax = InputScaling.of(InputScaling.Method.MINMAX, min, max);
        Map<String, float[]> a = Fit.fit(Algorithm.MLP, p, x, log, y, rows, 3, null).params();
        Map<String, float[]> b = Fit.fit(Algorithm.MLP, p, x, minmax, y, rows, 3, null).params();
        // same seed, same rows: only the inputs the scaling produced differ
        assertThat(a.get("input_w")).isNotEqualTo(b.get("input_w"));
        assertThat(Metrics.auc(Validator.score(Algorithm.MLP, p, a, x, log, rows), y))
                .isGreaterThan(0.6);
    }

    private static float[] scale() {
        float[] scale = new float[FEATURES];
        Arrays.fill(scale, 0.25f);
        return scale;
    }
}
