package io.mlcycle.trainer;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class BlendTest {

    private static final int ROWS = 3000;
    private static final List<String> NAMES = List.of("logistic", "xgboost", "ensemble");

    private static int[] labels(Random rnd) {
        int[] y = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            y[i] = rnd.nextBoolean() ? 1 : 0;
        }
        return y;
    }

    /**
     * A member that knows the label on the rows of its own half (a noisy logit of ±1.5) and only
     * guesses around 0.5 on the other half.
     */
    private static float[] halfInformed(int[] y, boolean firstHalf, Random rnd) {
        float[] p = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            boolean informed = (i % 2 == 0) == firstHalf;
            double z =
                    informed
                            ? (y[i] == 1 ? 1.5 : -1.5) + rnd.nextGaussian()
                            : 0.2 * rnd.nextGaussian();
            p[i] = (float) (1 / (1 + Math.exp(-z)));
        }
        return p;
    }

    private static double[] foldAuc(float[] scores, int[] y, List<Splits.Split> folds) {
        double[] v = new double[folds.size()];
        for (int f = 0; f < v.length; f++) {
            int[] test = folds.get(f).test();
            float[] s = new float[test.length];
            for (int i = 0; i < test.length; i++) {
                s[i] = scores[test[i]];
            }
            v[f] = Metrics.auc(s, Validator.labelsOf(y, test));
        }
        return Selection.meanAndSe(v);
    }

    /** auto's rule over the two members (by their fold AUCs) and the blend, in that order. */
    private static Selection.Choice choice(
            float[][] oof, int[] y, List<Splits.Split> folds, Blend.Result b) {
        double[] first = foldAuc(oof[0], y, folds);
        double[] second = foldAuc(oof[1], y, folds);
        return Selection.oneStandardError(
                NAMES,
                new double[] {first[0], second[0], b.mean()},
                new double[] {first[1], second[1], b.se()},
                true);
    }

    private static Blend.Result blend(float[][] oof, int[] y, List<Splits.Split> folds) {
        return Blend.crossFitted(oof, y, folds, Metrics::auc);
    }

    @Test
    void weightsAreNonNegativeSumToOneAndTheBlendOfComplementaryMembersBeatsEach() {
        Random rnd = new Random(3);
        int[] y = labels(rnd);
        float[][] oof = {halfInformed(y, true, rnd), halfInformed(y, false, rnd)};
        List<Splits.Split> folds = Splits.kfold(y, Selection.FOLDS, 4);
        Blend.Result b = blend(oof, y, folds);
        for (double w : b.weights()) {
            assertThat(w).isBetween(0.0, 1.0);
        }
        assertThat(Arrays.stream(b.weights()).sum()).isCloseTo(1.0, within(1e-9));
        // each knows half the rows: the blend leans on both
        assertThat(b.weights()[0]).isBetween(0.3, 0.7);
        double best = Math.max(foldAuc(oof[0], y, folds)[0], foldAuc(oof[1], y, folds)[0]);
        assertThat(b.folds()).isEqualTo(Selection.FOLDS);
        assertThat(b.mean() - best)
                .as("the cross-fitted blend beats the better member by more than its noise")
                .isGreaterThan(b.se());
        assertThat(choice(oof, y, folds, b).index()).isEqualTo(2);
        // the log loss fitted is no higher than either member's alone
        int[] all = Trainer.identity(ROWS);
        double blended = Blend.logLoss(oof, b.weights(), y, all);
        assertThat(blended).isLessThan(Blend.logLoss(oof, new double[] {1, 0}, y, all));
        assertThat(blended).isLessThan(Blend.logLoss(oof, new double[] {0, 1}, y, all));
    }

    @Test
    void theSingleBestIsKeptWhenTheBlendDoesNotWinByMoreThanItsNoise() {
        Random rnd = new Random(5);
        int[] y = labels(rnd);
        float[] good = halfInformed(y, true, rnd);
        // a near copy of the first: blending them adds nothing but noise
        float[] copy = new float[ROWS];
        for (int i = 0; i < ROWS; i++) {
            copy[i] = (float) Math.min(1, Math.max(0, good[i] + 0.01 * rnd.nextGaussian()));
        }
        float[][] oof = {good, copy};
        List<Splits.Split> folds = Splits.kfold(y, Selection.FOLDS, 6);
        Blend.Result b = blend(oof, y, folds);
        assertThat(Arrays.stream(b.weights()).sum()).isCloseTo(1.0, within(1e-9));
        Selection.Choice c = choice(oof, y, folds, b);
        assertThat(c.index()).as(c.reason()).isZero();
    }

    @Test
    void aMemberThatOnlyAddsNoiseGetsLittleWeight() {
        Random rnd = new Random(7);
        int[] y = labels(rnd);
        float[] informed = halfInformed(y, true, rnd);
        float[] noise = new float[ROWS];
        for (int i = 0; i < ROWS; i++) {
            noise[i] = rnd.nextFloat();
        }
        double[] w = Blend.fit(new float[][] {noise, informed}, y, Trainer.identity(ROWS));
        assertThat(w[1]).isGreaterThanOrEqualTo(0.9);
        assertThat(w[0] + w[1]).isCloseTo(1.0, within(1e-9));
        assertThat(Blend.used(w)).contains(1);
    }

    @Test
    void eachFoldIsBlendedWithWeightsFittedWithoutIt() {
        Random rnd = new Random(9);
        int[] y = labels(rnd);
        float[][] oof = {halfInformed(y, true, rnd), halfInformed(y, false, rnd)};
        List<Splits.Split> folds = Splits.kfold(y, Selection.FOLDS, 10);
        Blend.Result b = blend(oof, y, folds);
        for (int f = 0; f < folds.size(); f++) {
            Splits.Split s = folds.get(f);
            float[] expected = Blend.apply(oof, Blend.fit(oof, y, s.train()), s.test());
            for (int i = 0; i < s.test().length; i++) {
                assertThat(b.scores()[s.test()[i]]).isEqualTo(expected[i]);
            }
        }
    }
}
