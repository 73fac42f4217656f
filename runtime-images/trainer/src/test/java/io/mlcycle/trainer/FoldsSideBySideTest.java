package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class FoldsSideBySideTest {

    @Test
    void foldsBoostedSideBySideOnOneThreadEachChooseWhatOneAtATimeChooses() {
        SparseMatrix x = BoostingTables.table(400, 6, 5);
        int[] y = BoostingTables.labels(x, 6);
        int[] pool = Trainer.identity(x.rows());
        List<Splits.Split> folds = Splits.kfold(y, 5, 43);
        Recording alone = new Recording(new LocalBoosting(2), 1);
        Recording together = new Recording(new LocalBoosting(2), 2);

        Boosted.FoldsChoice one = Boosted.chooseByFolds(x, y, pool, folds, 42, alone);
        Boosted.FoldsChoice two = Boosted.chooseByFolds(x, y, pool, folds, 42, together);

        assertThat(two.point()).isEqualTo(one.point());
        assertThat(two.dropped()).isEqualTo(one.dropped());
        for (int f = 0; f < folds.size(); f++) {
            assertThat(json(two.fits().get(f))).as("fold %d", f).isEqualTo(json(one.fits().get(f)));
        }
        // the same fits, two at a time, each on the one-threaded engine
        assertThat(together.fits.get()).isEqualTo(alone.fits.get()).isGreaterThanOrEqualTo(6);
        assertThat(together.oneThreaded.get()).isEqualTo(together.fits.get());
        assertThat(alone.oneThreaded.get()).isZero();
        assertThat(together.mostAtOnce.get()).isEqualTo(2);
        assertThat(alone.mostAtOnce.get()).isEqualTo(1);
    }

    @Test
    void aFitThatFailsSideBySideFailsTheChoiceWithItsOwnError() {
        SparseMatrix x = BoostingTables.table(200, 4, 9);
        int[] y = BoostingTables.labels(x, 10);
        BoostingEngine failing =
                new BoostingEngine() {
                    @Override
                    public Trained train(
                            SparseMatrix x,
                            int[] y,
                            int[] train,
                            int[] valid,
                            int depth,
                            int rounds,
                            int patience,
                            long seed) {
                        throw TaskFailure.invalid("Planted", "fit at depth " + depth + " failed");
                    }

                    @Override
                    public String name() {
                        return "failing";
                    }

                    @Override
                    public int sideBySide() {
                        return 2;
                    }
                };

        assertThatThrownBy(
                        () ->
                                Boosted.chooseByFolds(
                                        x,
                                        y,
                                        Trainer.identity(x.rows()),
                                        Splits.kfold(y, 5, 43),
                                        42,
                                        failing))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("fit at depth 6 failed");
    }

    @Test
    void thePodsEngineRunsOneFitPerProcessorAndAFixedOneOneAtATime() {
        assertThat(BoostingEngine.LOCAL.sideBySide())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(new LocalBoosting(2).sideBySide()).isEqualTo(1);
        assertThat(BoostingEngine.LOCAL.oneThreaded().sideBySide()).isEqualTo(1);
    }

    private static String json(io.mlcycle.model.Trees t) {
        return t == null ? null : new String(t.json(), StandardCharsets.UTF_8);
    }

    /**
     * Counts the fits and how many ran at once; side by side, its first two fits wait for each
     * other (at most 60 s), so they are known to have overlapped.
     */
    private static final class Recording implements BoostingEngine {
        final BoostingEngine inner;
        final int sideBySide;
        final AtomicInteger fits = new AtomicInteger();
        final AtomicInteger oneThreaded = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final CyclicBarrier firstTwo = new CyclicBarrier(2);

        Recording(BoostingEngine inner, int sideBySide) {
            this.inner = inner;
            this.sideBySide = sideBySide;
        }

        @Override
        public Trained train(
                SparseMatrix x,
                int[] y,
                int[] train,
                int[] valid,
                int depth,
                int rounds,
                int patience,
                long seed) {
            return record(inner, x, y, train, valid, depth, rounds, patience, seed);
        }

        private Trained record(
                BoostingEngine on,
                SparseMatrix x,
                int[] y,
                int[] train,
                int[] valid,
                int depth,
                int rounds,
                int patience,
                long seed) {
            int n = fits.incrementAndGet();
            mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (sideBySide > 1 && n <= 2) {
                    firstTwo.await(60, TimeUnit.SECONDS);
                }
                return on.train(x, y, train, valid, depth, rounds, patience, seed);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException(
                        "fit " + n + " waited 60 s for the other of the first two fits: " + e, e);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public int sideBySide() {
            return sideBySide;
        }

        @Override
        public BoostingEngine oneThreaded() {
            BoostingEngine single = new LocalBoosting(1);
            return new BoostingEngine() {
                @Override
                public Trained train(
                        SparseMatrix x,
                        int[] y,
                        int[] train,
                        int[] valid,
                        int depth,
                        int rounds,
                        int patience,
                        long seed) {
                    oneThreaded.incrementAndGet();
                    return record(single, x, y, train, valid, depth, rounds, patience, seed);
                }

                @Override
                public String name() {
                    return "recording, one thread";
                }
            };
        }
    }
}
