package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Trees;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class XgboostFoldsTest {

    @Test
    void theFoldsBoostingCutToTheChosenRoundsScoresEveryRowAsARefitAtThatPoint() {
        SparseMatrix x = BoostingTables.table(400, 6, 5);
        int[] y = BoostingTables.labels(x, 6);
        int[] pool = Trainer.identity(x.rows());
        List<Splits.Split> folds = Splits.kfold(y, 5, 43);

        Boosted.FoldsChoice c = Boosted.chooseByFolds(x, y, pool, folds, 42);

        int depth = c.point().blocks();
        int rounds = c.point().epochs();
        assertThat(depth).isIn(3, 6);
        assertThat(rounds).isBetween(1, Boosted.MAX_ROUNDS);
        assertThat(c.fits()).hasSize(5);
        int reused = 0;
        for (int f = 0; f < folds.size(); f++) {
            Trees cut = c.fits().get(f);
            if (cut == null) {
                continue;
            }
            reused++;
            int[] train = Fit.pick(pool, folds.get(f).train());
            Trees refit = Boosted.fit(x, y, train, 42 + f, depth, rounds).trees();
            assertThat(cut.trees()).isEqualTo(rounds).isEqualTo(refit.trees());
            for (int r = 0; r < x.rows(); r++) {
                int from = x.rowPtr()[r];
                int to = x.rowPtr()[r + 1];
                assertThat(cut.logit(x.cols(), x.values(), from, to))
                        .as("fold %d row %d", f, r)
                        .isCloseTo(refit.logit(x.cols(), x.values(), from, to), within(1e-5));
            }
        }
        assertThat(reused).as("folds whose boosting reached the chosen rounds").isPositive();
    }

    @Test
    void cuttingAModelToMoreRoundsThanItHasIsRefusedNamingBoth() {
        SparseMatrix x = BoostingTables.table(200, 4, 9);
        int[] y = BoostingTables.labels(x, 10);
        byte[] json =
                BoostingEngine.LOCAL
                        .train(x, y, Trainer.identity(x.rows()), null, 3, 4, 0, 1)
                        .json();
        assertThat(Trees.parse(Boosted.firstRounds(json, 2), 4).trees()).isEqualTo(2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Boosted.firstRounds(json, 5))
                .hasMessage("the model has 4 rounds, not 5");
    }
}
