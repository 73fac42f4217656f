package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.InputScaling;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class LogisticFoldsTest {

    private static final int FEATURES = 70;
    private static final int TRAIN = 1200;
    private static final int TRUTH = 20_000;
    private static final InputScaling NONE =
            InputScaling.of(
                    InputScaling.Method.NONE,
                    Collections.nCopies(FEATURES, -5.0),
                    Collections.nCopies(FEATURES, 5.0));

    /**
     * TRAIN training rows, then TRUTH rows drawn from the same law to judge a λ by: three strong
     * weights, many weak ones, 16 % positives (the shape of attrition).
     */
    static SparseMatrix table(int[] y, long seed) {
        Random rnd = new Random(seed);
        double[] truth = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            truth[j] = j < 3 ? 1.0 : 0.15 * rnd.nextGaussian();
        }
        return DenseLogitTable.draw(y, truth, -2.2, rnd);
    }

    /** The AUC on the truth rows of the optimum of each λ of the path on the training rows. */
    static double[] truthAucs(SparseMatrix x, int[] y, int[] train, int[] truthRows) {
        Logistic.Data fitted = Logistic.Data.of(x, NONE, y, train);
        Logistic.Data judged = Logistic.Data.of(x, NONE, y, truthRows);
        int[] labels = Validator.labelsOf(y, truthRows);
        double[] w = new double[FEATURES + 1];
        double[] aucs = new double[Logistic.PATH.length];
        for (int i = 0; i < aucs.length; i++) {
            Logistic.newton(fitted, w, Logistic.PATH[i]);
            double[] m = judged.margins(w);
            float[] scores = new float[m.length];
            for (int r = 0; r < m.length; r++) {
                scores[r] = (float) m[r];
            }
            aucs[i] = Metrics.auc(scores, labels);
        }
        return aucs;
    }

    @Test
    void innerFoldsChooseTheStrengthThatGeneralizesWhereTheCarvedFifthDoesNot() {
        int[] y = new int[TRAIN + TRUTH];
        SparseMatrix x = table(y, 11);
        int[] train = Trainer.identity(TRAIN);
        int[] truthRows = new int[TRUTH];
        Arrays.setAll(truthRows, i -> TRAIN + i);
        List<Double> path = Arrays.stream(Logistic.PATH).boxed().toList();

        double carved = Logistic.fit(x, NONE, y, train, 0, 7).lambda();
        List<Splits.Split> folds = Splits.kfold(Validator.labelsOf(y, train), 5, 8);
        Logistic.PathChoice byFolds = Logistic.chooseByFolds(x, NONE, y, train, folds);
        double[] truth = truthAucs(x, y, train, truthRows);
        double best = Arrays.stream(truth).max().orElseThrow();

        // the carve's 240 rows pick the strongest λ; the folds' mean log-loss, over all 1 200
        // rows, picks one within 0.001 of the best AUC on 20 000 fresh rows, and clearly above
        // the carve's
        assertThat(carved).isEqualTo(0.1);
        assertThat(byFolds.lambda()).isNotEqualTo(carved);
        assertThat(truth[path.indexOf(byFolds.lambda())]).isGreaterThan(best - 0.001);
        assertThat(truth[path.indexOf(byFolds.lambda())])
                .isGreaterThan(truth[path.indexOf(carved)] + 0.002);
        // the chosen λ is the lowest mean log-loss of the path, its alternatives recorded
        int lowest = 0;
        for (int i = 1; i < path.size(); i++) {
            if (byFolds.meanLogLoss()[i] < byFolds.meanLogLoss()[lowest]) {
                lowest = i;
            }
        }
        assertThat(byFolds.lambda()).isEqualTo(Logistic.PATH[lowest]);
        assertThat(Arrays.stream(byFolds.meanAuc()).boxed().toList())
                .hasSize(path.size())
                .allMatch(a -> a > 0.5 && a < 1);
        assertThat(path).contains(byFolds.lambdaByMeanAuc(), byFolds.lambdaByPooledAuc());
    }

    @Test
    void eachFoldsFitAtTheChosenStrengthScoresItsRowsAsAColdRefitThere() {
        int[] y = new int[TRAIN];
        SparseMatrix x = table(y, 11);
        int[] pool = Trainer.identity(TRAIN);
        List<Splits.Split> folds = Splits.kfold(Validator.labelsOf(y, pool), 5, 8);
        Logistic.PathChoice c = Logistic.chooseByFolds(x, NONE, y, pool, folds);

        assertThat(c.foldFits()).hasSize(folds.size());
        for (int f = 0; f < folds.size(); f++) {
            // the path's warm-started optimum at λ is the optimum a fit from zero reaches
            Fit.Params p = new Fit.Params(0.01, "adam", 1, 256, 1, 1, 0.0, c.lambda());
            Fit.Fitted reused =
                    new Fit.Fitted(c.foldFits().get(f), 0, 0, List.of(), c.lambda(), null);
            Fit.Fitted refit =
                    Fit.fit(Algorithm.LOGISTIC, p, x, NONE, y, folds.get(f).train(), 7, null);
            float[] a =
                    Validator.score(Algorithm.LOGISTIC, p, reused, x, NONE, folds.get(f).test());
            float[] b = Validator.score(Algorithm.LOGISTIC, p, refit, x, NONE, folds.get(f).test());
            for (int i = 0; i < a.length; i++) {
                assertThat((double) a[i]).isCloseTo(b[i], within(1e-4));
            }
        }
    }
}
