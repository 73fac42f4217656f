package io.mlcycle.trainer;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * auto's ensemble candidate: a weighted mean of the candidates' probabilities, the weights
 * non-negative and summing to one, fitted to the candidates' out-of-fold probabilities by the
 * lowest log loss (convex in the weights) on a grid over the simplex. Its selection score is
 * cross-fitted: each inner fold's rows are blended with weights fitted on the other folds' rows
 * only, so the blend's mean and standard error are measured like any single candidate's.
 */
final class Blend {

    /** Grid steps per unit weight (a weight is a multiple of 1/STEPS). */
    static final int STEPS = 50;

    private static final double EPS = 1e-7;

    /**
     * The blend's score on the selection rows.
     *
     * @param weights fitted on every out-of-fold row, aligned with the members
     * @param scores the cross-fitted blend of every selection row
     * @param values the metric on each fold
     * @param mean the mean of the finite fold values
     * @param se their standard error (NaN with fewer than two)
     * @param folds folds whose metric was finite
     */
    record Result(
            double[] weights, float[] scores, double[] values, double mean, double se, int folds) {}

    private Blend() {}

    /**
     * Weights (≥ 0, summing to one) minimizing the log loss of the blend of {@code oof} (one array
     * of probabilities per member) on {@code rows}; ties keep the first grid point, which favours
     * the earlier (simpler) members.
     */
    static double[] fit(float[][] oof, int[] labels, int[] rows) {
        int k = oof.length;
        if (k == 0) {
            throw new IllegalArgumentException("a blend needs at least one member");
        }
        int steps = k <= 3 ? STEPS : 10;
        int[] units = new int[k];
        int[] best = new int[k];
        double[] bestLoss = {Double.POSITIVE_INFINITY};
        search(oof, labels, rows, units, 0, steps, steps, best, bestLoss);
        double[] w = new double[k];
        for (int j = 0; j < k; j++) {
            w[j] = (double) best[j] / steps;
        }
        return w;
    }

    /** Every composition of {@code left} units over members {@code j..}, the best kept. */
    private static void search(
            float[][] oof,
            int[] labels,
            int[] rows,
            int[] units,
            int j,
            int left,
            int steps,
            int[] best,
            double[] bestLoss) {
        if (j == units.length - 1) {
            units[j] = left;
            double[] w = new double[units.length];
            for (int m = 0; m < w.length; m++) {
                w[m] = (double) units[m] / steps;
            }
            double loss = logLoss(oof, w, labels, rows);
            if (loss < bestLoss[0]) {
                bestLoss[0] = loss;
                System.arraycopy(units, 0, best, 0, units.length);
            }
            return;
        }
        for (int u = left; u >= 0; u--) {
            units[j] = u;
            search(oof, labels, rows, units, j + 1, left - u, steps, best, bestLoss);
        }
    }

    /** Mean log loss of the blend on {@code rows} (positions in the member arrays). */
    static double logLoss(float[][] oof, double[] w, int[] labels, int[] rows) {
        double loss = 0;
        for (int i : rows) {
            double p = 0;
            for (int m = 0; m < w.length; m++) {
                if (w[m] != 0) {
                    p += w[m] * oof[m][i];
                }
            }
            p = Math.min(1 - EPS, Math.max(EPS, p));
            loss -= labels[i] == 1 ? Math.log(p) : Math.log(1 - p);
        }
        return rows.length == 0 ? Double.NaN : loss / rows.length;
    }

    /** The blend of {@code oof} with weights {@code w} at {@code rows}. */
    static float[] apply(float[][] oof, double[] w, int[] rows) {
        float[] out = new float[rows.length];
        for (int r = 0; r < rows.length; r++) {
            double p = 0;
            for (int m = 0; m < w.length; m++) {
                p += w[m] * oof[m][rows[r]];
            }
            out[r] = (float) p;
        }
        return out;
    }

    /**
     * Fits the weights on every row and scores each fold with weights fitted without it.
     *
     * @param oof each member's out-of-fold probabilities of the selection rows
     * @param labels the selection rows' labels
     * @param folds the inner folds (indices into the selection rows)
     * @param metric the selection metric of a fold's scores and labels
     */
    static Result crossFitted(
            float[][] oof,
            int[] labels,
            List<Splits.Split> folds,
            BiFunction<float[], int[], Double> metric) {
        int n = labels.length;
        float[] blended = new float[n];
        double[] values = new double[folds.size()];
        for (int f = 0; f < folds.size(); f++) {
            Splits.Split s = folds.get(f);
            float[] scores = apply(oof, fit(oof, labels, s.train()), s.test());
            for (int i = 0; i < scores.length; i++) {
                blended[s.test()[i]] = scores[i];
            }
            values[f] = metric.apply(scores, Validator.labelsOf(labels, s.test()));
        }
        double[] ms = Selection.meanAndSe(values);
        double[] weights = fit(oof, labels, Trainer.identity(n));
        return new Result(weights, blended, values, ms[0], ms[1], (int) ms[2]);
    }

    /** The weights as text, e.g. {@code logistic 0.40, xgboost 0.60}. */
    static String describe(List<String> names, double[] w) {
        StringBuilder b = new StringBuilder();
        for (int m = 0; m < w.length; m++) {
            if (m > 0) {
                b.append(", ");
            }
            b.append(names.get(m)).append(String.format(java.util.Locale.ROOT, " %.2f", w[m]));
        }
        return b.toString();
    }

    /** The positions of the members with a weight above zero. */
    static int[] used(double[] w) {
        return java.util.stream.IntStream.range(0, w.length).filter(m -> w[m] > 0).toArray();
    }

    /** Copy of {@code w} restricted to {@code used} (their sum is one already). */
    static double[] restrict(double[] w, int[] used) {
        return Arrays.stream(used).mapToDouble(m -> w[m]).toArray();
    }
}
