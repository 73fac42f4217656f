package io.mlcycle.trainer;

import io.mlcycle.model.Algorithm;

import java.util.function.BiFunction;

/**
 * Whether auto's network candidate is scored on the inner folds after its first: the network is the
 * most complex candidate, so it wins alone only more than one standard error above the others, and
 * it matters to the ensemble only with a weight above zero. After the first fold it goes on when
 * either can still happen there: its metric on that fold is at least the best earlier candidate's,
 * or the blend fitted on that fold's rows gives it a weight above zero. Otherwise its other folds
 * are not fitted and it takes part in neither the rule nor the ensemble.
 */
final class FirstFoldGate {

    static final String RULE =
            "a network candidate goes on after its first inner fold only when its metric there is"
                    + " at least the best earlier candidate's or the blend fitted on that fold's"
                    + " rows gives it a weight above zero";

    private FirstFoldGate() {}

    /** Whether {@code learner} is gated (the networks; the others choose their own points). */
    static boolean applies(Algorithm learner, int earlier, int folds) {
        return (learner == Algorithm.RESNET || learner == Algorithm.MLP)
                && earlier > 0
                && folds > 1;
    }

    /**
     * The decision after the first fold, with its reason.
     *
     * @param earlier the earlier candidates' out-of-fold probabilities of the selection rows
     * @param own the gated candidate's probabilities (read at {@code rows} only)
     * @param labels the selection rows' labels
     * @param rows the first fold's test rows (positions into the selection rows)
     * @param metric the selection metric of scores and labels, higher better
     */
    static Decision afterFirstFold(
            float[][] earlier,
            float[] own,
            int[] labels,
            int[] rows,
            BiFunction<float[], int[], Double> metric) {
        int[] foldLabels = Validator.labelsOf(labels, rows);
        double ownValue = metric.apply(pick(own, rows), foldLabels);
        double best = Double.NEGATIVE_INFINITY;
        for (float[] e : earlier) {
            double v = metric.apply(pick(e, rows), foldLabels);
            if (Double.isFinite(v)) {
                best = Math.max(best, v);
            }
        }
        float[][] members = java.util.Arrays.copyOf(earlier, earlier.length + 1);
        members[earlier.length] = own;
        double weight = Blend.fit(members, labels, rows)[earlier.length];
        boolean goOn = !(ownValue < best) || weight > 0;
        String reason =
                String.format(
                        java.util.Locale.ROOT,
                        "first inner fold: %.4f against the best earlier candidate's %.4f, blend"
                                + " weight %.2f",
                        ownValue,
                        best,
                        weight);
        return new Decision(goOn, reason);
    }

    /** Go on to the other folds or stop, and why. */
    record Decision(boolean goOn, String reason) {}

    private static float[] pick(float[] scores, int[] rows) {
        float[] out = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = scores[rows[i]];
        }
        return out;
    }
}
