package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Trees;
import io.mlcycle.task.TaskJson;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradient-boosted trees by XGBoost4J on the raw feature values (trees do not need scaling; an
 * absent or zero value is missing, as the saved model's {@link Trees} scorer treats it). A small
 * search on a stratified fifth of the training rows picks the depth and, by early stopping on AUC,
 * the number of rounds; the final model is refitted on all the training rows with those.
 */
final class Boosted {

    static final double ETA = 0.1;
    static final int[] DEPTHS = {3, 6};
    static final int MAX_ROUNDS = 500;
    static final int PATIENCE = 30;
    static final double VALIDATION_FRACTION = 0.2;

    private Boosted() {}

    /** The refitted trees and what the search chose; {@code history}: validation AUC per depth. */
    record Result(Trees trees, int depth, int rounds, List<Double> history) {}

    /**
     * The engine the rounds run on: one task per process, set by {@link Trainer#run(
     * io.mlcycle.task.TrainTask, BoostingEngine)} for its duration.
     */
    static volatile BoostingEngine engine = BoostingEngine.LOCAL;

    /**
     * Fits on {@code rows}: with {@code depth} and {@code rounds} both &gt; 0 exactly those (no
     * search), otherwise the search first.
     */
    static Result fit(SparseMatrix x, int[] y, int[] rows, long seed, int depth, int rounds) {
        if (x.numFeatures() == 0) {
            throw TaskFailure.invalid(
                    "NoFeatures", "xgboost needs at least one feature; the table has none");
        }
        if (depth <= 0 || rounds <= 0) {
            return fit(x, y, rows, seed);
        }
        BoostingEngine.Trained t = engine.train(x, y, rows, null, depth, rounds, 0, seed);
        return new Result(Trees.parse(t.json(), x.numFeatures()), depth, rounds, List.of());
    }

    static Result fit(SparseMatrix x, int[] y, int[] rows, long seed) {
        if (x.numFeatures() == 0) {
            throw TaskFailure.invalid(
                    "NoFeatures", "xgboost needs at least one feature; the table has none");
        }
        Splits.Split s = Splits.holdout(Validator.labelsOf(y, rows), VALIDATION_FRACTION, seed);
        int[] train = Fit.pick(rows, s.train());
        int[] valid = Fit.pick(rows, s.test());
        List<double[]> aucByDepth = new ArrayList<>();
        for (int depth : DEPTHS) {
            aucByDepth.add(
                    engine.train(x, y, train, valid, depth, MAX_ROUNDS, PATIENCE, seed)
                            .validationAuc());
        }
        Choice c = choose(aucByDepth);
        Trees trees = fit(x, y, rows, seed, c.depth(), c.rounds()).trees();
        return new Result(trees, c.depth(), c.rounds(), c.history());
    }

    /** The depth and rounds the search keeps; {@code history}: best validation AUC per depth. */
    record Choice(int depth, int rounds, List<Double> history) {}

    /**
     * The depth of {@link #DEPTHS} whose best round had the highest validation AUC (the shallower
     * on a tie within 1e-6), and that round; {@code aucByDepth}: the AUC after each round, per
     * depth.
     */
    static Choice choose(List<double[]> aucByDepth) {
        int bestDepth = DEPTHS[0];
        int bestRounds = 1;
        double bestAuc = Double.NEGATIVE_INFINITY;
        List<Double> history = new ArrayList<>();
        for (int d = 0; d < DEPTHS.length; d++) {
            double[] auc = aucByDepth.get(d);
            int best = 0;
            for (int round = 1; round < auc.length; round++) {
                if (auc[round] > auc[best]) {
                    best = round;
                }
            }
            double bestRoundAuc = auc.length == 0 ? Double.NEGATIVE_INFINITY : auc[best];
            history.add(bestRoundAuc);
            if (bestRoundAuc > bestAuc + 1e-6) {
                bestAuc = bestRoundAuc;
                bestDepth = DEPTHS[d];
                bestRounds = best + 1;
            }
        }
        return new Choice(bestDepth, bestRounds, List.copyOf(history));
    }

    /** A fixed xgboost point: exactly {@code depth} and {@code rounds}, no search. */
    static Fit.Params point(int depth, int rounds) {
        return new Fit.Params(ETA, Fit.XGBOOST, rounds, 0, 1, depth, 0, 0, Fit.CONSTANT);
    }

    /**
     * What {@link #chooseByFolds} chose and, per fold, the trees its boosting at that depth had
     * after that many rounds (null for a fold that stopped early before them); {@code dropped}: the
     * depths left after {@link #DECIDING_FOLDS} folds (empty when none was).
     */
    record FoldsChoice(Fit.Params point, List<Trees> fits, List<Integer> dropped) {}

    /** Folds after which a deeper depth that is behind a shallower one is not boosted further. */
    static final int DECIDING_FOLDS = 2;

    /**
     * The depth and rounds with the best mean validation AUC over {@code folds} (positions into
     * {@code pool}): each depth boosted on every fold's training part, scored round by round on its
     * test part (early stopping, patience {@link #PATIENCE}); a fold that stopped early keeps its
     * last AUC for the later rounds. Fold by fold: after {@link #DECIDING_FOLDS} folds a depth
     * whose best rounds' mean AUC there is below a shallower depth's is dropped (successive halving
     * across folds; the deeper trees cost the most and the shallower wins ties anyway). Each fold's
     * boosting at the chosen depth, cut to the chosen rounds, is the model a refit there with that
     * point would give, so the folds are not boosted again to score the point.
     */
    static FoldsChoice chooseByFolds(
            SparseMatrix x, int[] y, int[] pool, List<Splits.Split> folds, long seed) {
        return chooseByFolds(x, y, pool, folds, seed, engine);
    }

    /**
     * {@link #chooseByFolds(SparseMatrix, int[], int[], List, long)} on {@code on}: the fits of the
     * deciding folds, then those of the rest, run {@link BoostingEngine#sideBySide} at a time, each
     * on one thread; every fit is the one boosted alone, so the choice does not depend on it.
     */
    static FoldsChoice chooseByFolds(
            SparseMatrix x,
            int[] y,
            int[] pool,
            List<Splits.Split> folds,
            long seed,
            BoostingEngine on) {
        double[][][] curves = new double[DEPTHS.length][folds.size()][];
        byte[][][] boosters = new byte[DEPTHS.length][folds.size()][];
        boolean[] live = new boolean[DEPTHS.length];
        java.util.Arrays.fill(live, true);
        int deciding = Math.min(DECIDING_FOLDS, folds.size());
        boostFolds(on, x, y, pool, folds, 0, deciding, live, seed, curves, boosters);
        if (deciding < folds.size()) {
            dropBehind(curves, deciding, live);
            boostFolds(on, x, y, pool, folds, deciding, folds.size(), live, seed, curves, boosters);
        }
        int bestDepth = 0;
        int bestRounds = 1;
        double bestAuc = Double.NEGATIVE_INFINITY;
        for (int d = 0; d < DEPTHS.length; d++) {
            int longest = 0;
            for (int f = 0; live[d] && f < folds.size(); f++) {
                longest = Math.max(longest, curves[d][f].length);
            }
            for (int round = 0; round < longest; round++) {
                double mean = meanAt(curves[d], folds.size(), round);
                if (mean > bestAuc + 1e-6) {
                    bestAuc = mean;
                    bestDepth = d;
                    bestRounds = round + 1;
                }
            }
        }
        List<Trees> fits = new ArrayList<>();
        for (int f = 0; f < folds.size(); f++) {
            fits.add(
                    curves[bestDepth][f].length >= bestRounds
                            ? Trees.parse(
                                    firstRounds(boosters[bestDepth][f], bestRounds),
                                    x.numFeatures())
                            : null);
        }
        List<Integer> dropped = new ArrayList<>();
        for (int d = 0; d < DEPTHS.length; d++) {
            if (!live[d]) {
                dropped.add(DEPTHS[d]);
            }
        }
        return new FoldsChoice(point(DEPTHS[bestDepth], bestRounds), fits, List.copyOf(dropped));
    }

    /**
     * Boosts every live depth on folds {@code from} to {@code to} (exclusive), scored round by
     * round on each fold's test part, into {@code curves} and {@code boosters}; the deeper depths
     * first, the longest fits, when they run side by side.
     */
    private static void boostFolds(
            BoostingEngine on,
            SparseMatrix x,
            int[] y,
            int[] pool,
            List<Splits.Split> folds,
            int from,
            int to,
            boolean[] live,
            long seed,
            double[][][] curves,
            byte[][][] boosters) {
        int workers = on.sideBySide();
        BoostingEngine each = workers > 1 ? on.oneThreaded() : on;
        List<int[]> fits = new ArrayList<>();
        List<java.util.concurrent.Callable<BoostingEngine.Trained>> tasks = new ArrayList<>();
        for (int d = DEPTHS.length - 1; d >= 0; d--) {
            for (int f = from; live[d] && f < to; f++) {
                int[] train = Fit.pick(pool, folds.get(f).train());
                int[] test = Fit.pick(pool, folds.get(f).test());
                int depth = DEPTHS[d];
                long foldSeed = seed + f;
                fits.add(new int[] {d, f});
                tasks.add(
                        () -> each.train(x, y, train, test, depth, MAX_ROUNDS, PATIENCE, foldSeed));
            }
        }
        List<BoostingEngine.Trained> trained = SideBySide.run(workers, tasks);
        for (int i = 0; i < fits.size(); i++) {
            int d = fits.get(i)[0];
            int f = fits.get(i)[1];
            curves[d][f] = trained.get(i).validationAuc();
            boosters[d][f] = trained.get(i).json();
        }
    }

    /** The mean over the first {@code n} folds' curves of the AUC after {@code round}. */
    private static double meanAt(double[][] curves, int n, int round) {
        double sum = 0;
        for (int f = 0; f < n; f++) {
            double[] c = curves[f];
            sum += c.length == 0 ? 0.5 : c[Math.min(round, c.length - 1)];
        }
        return sum / n;
    }

    /**
     * Drops each depth whose best mean AUC over the first {@code n} folds is below a shallower's.
     */
    private static void dropBehind(double[][][] curves, int n, boolean[] live) {
        double[] best = new double[DEPTHS.length];
        for (int d = 0; d < DEPTHS.length; d++) {
            int longest = 0;
            for (int f = 0; f < n; f++) {
                longest = Math.max(longest, curves[d][f].length);
            }
            best[d] = Double.NEGATIVE_INFINITY;
            for (int round = 0; round < longest; round++) {
                best[d] = Math.max(best[d], meanAt(curves[d], n, round));
            }
        }
        for (int d = 1; d < DEPTHS.length; d++) {
            for (int shallower = 0; shallower < d; shallower++) {
                if (live[shallower] && best[d] < best[shallower]) {
                    live[d] = false;
                }
            }
        }
    }

    /**
     * XGBoost's JSON model cut to its first {@code rounds} rounds (one tree each: binary logistic,
     * one parallel tree), as XGBoost would have saved it after them.
     */
    static byte[] firstRounds(byte[] json, int rounds) {
        try {
            ObjectNode root = (ObjectNode) TaskJson.MAPPER.readTree(json);
            ObjectNode model =
                    (ObjectNode) root.path("learner").path("gradient_booster").path("model");
            ArrayNode trees = (ArrayNode) model.path("trees");
            if (rounds > trees.size()) {
                throw new IllegalArgumentException(
                        "the model has " + trees.size() + " rounds, not " + rounds);
            }
            keepFirst(trees, rounds);
            if (model.path("tree_info").isArray()) {
                keepFirst((ArrayNode) model.path("tree_info"), rounds);
            }
            if (model.path("iteration_indptr").isArray()) {
                keepFirst((ArrayNode) model.path("iteration_indptr"), rounds + 1);
            }
            if (model.path("gbtree_model_param").isObject()) {
                ((ObjectNode) model.path("gbtree_model_param"))
                        .put("num_trees", Integer.toString(rounds));
            }
            return TaskJson.MAPPER.writeValueAsBytes(root);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not XGBoost's JSON model: " + e.getMessage());
        }
    }

    private static void keepFirst(ArrayNode a, int n) {
        while (a.size() > n) {
            a.remove(a.size() - 1);
        }
    }

    /** Mean |TreeSHAP| (log-odds) of each feature over {@code samples}: exact, by XGBoost. */
    static double[] importance(Trees trees, SparseMatrix x, int[] samples) {
        double[] imp = new double[x.numFeatures()];
        if (samples.length == 0) {
            return imp;
        }
        try {
            Booster b = XGBoost.loadModel(trees.json());
            DMatrix d = matrix(x, new int[x.rows()], samples);
            float[][] contrib = b.predictContrib(d, 0);
            for (float[] row : contrib) {
                for (int j = 0; j < imp.length; j++) { // the last column is the bias
                    imp[j] += Math.abs(row[j]) / samples.length;
                }
            }
            d.dispose();
            b.dispose();
            return imp;
        } catch (XGBoostError | java.io.IOException e) {
            throw new TaskFailure(
                    io.mlcycle.task.Summary.Outcome.Failed, "XGBoostError", e.getMessage());
        }
    }

    /** The AUC in an evalSet line such as {@code [12]\tvalid-auc:0.8431}. */
    static double auc(String evalLine) {
        int at = evalLine.lastIndexOf("-auc:");
        if (at < 0) {
            throw new IllegalStateException("no AUC in XGBoost's evaluation '" + evalLine + "'");
        }
        return Double.parseDouble(evalLine.substring(at + 5).trim());
    }

    /** Rows as CSR with zeros left out (missing), labels set. */
    static DMatrix matrix(SparseMatrix x, int[] y, int[] rows) throws XGBoostError {
        long[] ptr = new long[rows.length + 1];
        int nnz = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int k = x.rowPtr()[rows[i]]; k < x.rowPtr()[rows[i] + 1]; k++) {
                if (x.values()[k] != 0) {
                    nnz++;
                }
            }
            ptr[i + 1] = nnz;
        }
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int n = 0;
        for (int r : rows) {
            for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                if (x.values()[k] != 0) {
                    cols[n] = x.cols()[k];
                    vals[n++] = x.values()[k];
                }
            }
        }
        DMatrix d = new DMatrix(ptr, cols, vals, DMatrix.SparseType.CSR, x.numFeatures());
        float[] labels = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = y[rows[i]];
        }
        d.setLabel(labels);
        return d;
    }
}
