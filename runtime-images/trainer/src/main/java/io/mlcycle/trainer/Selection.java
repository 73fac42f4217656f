package io.mlcycle.trainer;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.task.TrainTask;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How {@code auto} compares its candidates on the validator's training rows: by inner stratified
 * k-fold cross-validation when they are few (at most {@link #SMALL_ROWS}), else on one stratified
 * fifth carved from them. Each candidate's score is a mean with its standard error (over the folds;
 * for the carve, by bootstrap of its rows), and {@link #oneStandardError} keeps the simplest
 * candidate within one standard error of the best.
 */
final class Selection {

    /**
     * Training rows up to which candidates are compared by inner k-fold: below it a carved fifth
     * holds under 2 000 rows, where an AUC's standard error (0.005–0.01, more with rare positives)
     * is as large as the differences between candidates.
     */
    static final int SMALL_ROWS = 10_000;

    static final int FOLDS = 5;
    static final int BOOTSTRAP = 200;
    static final String KFOLD = "innerKFold";
    static final String CARVE = "carve";

    /**
     * A candidate point scored on the selection rows.
     *
     * @param eval its scores of the selection rows (out-of-fold for inner k-fold)
     * @param params the point, with xgboost's depth and rounds fixed once chosen
     * @param mean the selection metric: the mean over the folds, or on the carved rows
     * @param se its standard error (NaN when it cannot be estimated)
     * @param folds folds whose metric was finite (1 for the carve)
     * @param note how xgboost's depth and rounds were chosen (null otherwise)
     * @param stopped why it was scored on its first inner fold only ({@link FirstFoldGate}; its
     *     mean is that fold's, and it takes part in neither the rule nor the ensemble), else null
     */
    record Score(
            Trainer.Evaluated eval,
            Fit.Params params,
            double mean,
            double se,
            int folds,
            String note,
            String stopped) {}

    /** The choice among candidates and why. */
    record Choice(int index, String reason) {}

    private final int[] pool;
    private final List<Splits.Split> folds;
    private final Splits.Split carve;
    private final String fallback;

    private Selection(int[] pool, List<Splits.Split> folds, Splits.Split carve, String fallback) {
        this.pool = pool;
        this.folds = folds;
        this.carve = carve;
        this.fallback = fallback;
    }

    /** The selection over {@code pool} (row indices into {@code y}). */
    static Selection of(int[] pool, int[] y, long seed) {
        return of(pool, y, seed, false);
    }

    /**
     * The selection over {@code pool}; {@code alwaysFolds} compares by inner folds whatever the
     * number of rows (algorithm ensemble: its weights need every row's out-of-fold scores).
     */
    static Selection of(int[] pool, int[] y, long seed, boolean alwaysFolds) {
        int[] labels = Validator.labelsOf(y, pool);
        int positives = Arrays.stream(labels).sum();
        int minority = Math.min(positives, labels.length - positives);
        if (minority < 2) {
            throw TaskFailure.invalid(
                    "TooFewRowsToCompare",
                    "algorithm auto compares its candidates on the training rows, which need at"
                            + " least 2 rows of each class; they hold "
                            + positives
                            + " positive and "
                            + (labels.length - positives)
                            + " negative rows");
        }
        if (pool.length > SMALL_ROWS && !alwaysFolds) {
            return new Selection(pool, null, Splits.holdout(labels, 0.2, seed + 1), null);
        }
        int k = Math.min(FOLDS, minority);
        String fallback =
                k == FOLDS
                        ? null
                        : "innerFoldsReduced: the training rows hold only "
                                + minority
                                + " rows of their rarer class, so "
                                + k
                                + " inner folds, not "
                                + FOLDS;
        return new Selection(pool, Splits.kfold(labels, k, seed + 1), null, fallback);
    }

    String method() {
        return folds != null ? KFOLD : CARVE;
    }

    /** What metrics.json records of the selection. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method());
        m.put("rows", pool.length);
        m.put("smallRows", SMALL_ROWS);
        if (folds != null) {
            m.put("folds", folds.size());
        } else {
            m.put("carvedRows", carve.test().length);
            m.put("standardErrorBy", "bootstrap of the carved rows, " + BOOTSTRAP + " resamples");
        }
        m.put("rule", "oneStandardError: the simplest candidate within one SE of the best mean");
        if (folds != null) {
            m.put("networkGate", FirstFoldGate.RULE);
        }
        if (fallback != null) {
            m.put("fallback", fallback);
        }
        return m;
    }

    /**
     * The blend of the candidates' out-of-fold scores ({@link Blend#crossFitted}), scored on the
     * same folds; null on the carve, where no row has every candidate's out-of-fold score.
     */
    Blend.Result blend(float[][] oof, int[] y, TrainTask task, String metricName) {
        if (folds == null) {
            return null;
        }
        return Blend.crossFitted(
                oof,
                Validator.labelsOf(y, pool),
                folds,
                (scores, labels) -> metric(scores, labels, task, metricName));
    }

    /** Scores one point of {@code learner} on the selection rows. */
    Score score(
            Algorithm learner, Fit.Params p, PreparedData data, TrainPlan plan, TrainTask task) {
        return score(learner, p, data, plan, task, new float[0][]);
    }

    /**
     * Scores one point of {@code learner} on the selection rows; {@code earlier} holds the earlier
     * candidates' out-of-fold scores, by which {@link FirstFoldGate} may stop a network after its
     * first inner fold ({@link Score#stopped}).
     */
    Score score(
            Algorithm learner,
            Fit.Params p,
            PreparedData data,
            TrainPlan plan,
            TrainTask task,
            float[][] earlier) {
        if (folds == null) {
            return scoreOnCarve(learner, p, data, plan, task);
        }
        long t0 = System.nanoTime();
        OwnChoice own = ownChoice(learner, p, data, plan);
        p = own.point();
        int[] y = data.y();
        int[] labels = Validator.labelsOf(y, pool);
        float[] oof = new float[pool.length];
        double[] values = new double[folds.size()];
        List<Fit.Fitted> fits = new java.util.ArrayList<>();
        String stopped = null;
        for (int f = 0; f < folds.size() && stopped == null; f++) {
            Splits.Split s = folds.get(f);
            int[] test = Fit.pick(pool, s.test());
            // xgboost: the fold's boosting from its choice, cut to the chosen rounds; logistic:
            // the fold's optimum at the chosen λ from its path
            Fit.Fitted fitted =
                    own.fits() != null && own.fits().get(f) != null
                            ? own.fits().get(f)
                            : Fit.fit(
                                    learner,
                                    p,
                                    data.x(),
                                    data.scaling(),
                                    y,
                                    Fit.pick(pool, s.train()),
                                    plan.seed() + f,
                                    plan.stop());
            fits.add(fitted);
            float[] scores = Validator.score(learner, p, fitted, data.x(), data.scaling(), test);
            for (int i = 0; i < test.length; i++) {
                oof[s.test()[i]] = scores[i];
            }
            values[f] = metric(scores, Validator.labelsOf(y, test), task, plan.metricName());
            if (f == 0 && FirstFoldGate.applies(learner, earlier.length, folds.size())) {
                FirstFoldGate.Decision d =
                        FirstFoldGate.afterFirstFold(
                                earlier,
                                oof,
                                labels,
                                s.test(),
                                (sc, l) -> metric(sc, l, task, plan.metricName()));
                stopped = d.goOn() ? null : "stopped after the " + d.reason();
                Trainer.log("%s after its first inner fold: %s", learner.id(), d.reason());
            }
        }
        double[] ms = meanAndSe(stopped == null ? values : Arrays.copyOf(values, 1));
        Trainer.Evaluated e =
                new Trainer.Evaluated(
                        oof, labels, null, List.copyOf(fits), (System.nanoTime() - t0) / 1e9);
        return new Score(e, p, ms[0], ms[1], (int) ms[2], own.note(), stopped);
    }

    /**
     * A learner's own choice of its point on the inner folds and each fold's fit there (null when
     * the learner has none: the folds are fitted at {@code point}).
     */
    private record OwnChoice(Fit.Params point, List<Fit.Fitted> fits, String note) {}

    private OwnChoice ownChoice(
            Algorithm learner, Fit.Params p, PreparedData data, TrainPlan plan) {
        if (learner == Algorithm.XGBOOST && (p.blocks() <= 0 || p.epochs() <= 0)) {
            Boosted.FoldsChoice chosen =
                    Boosted.chooseByFolds(data.x(), data.y(), pool, folds, plan.seed());
            Fit.Params point = chosen.point();
            List<Fit.Fitted> fits = new java.util.ArrayList<>();
            for (io.mlcycle.model.Trees t : chosen.fits()) {
                fits.add(
                        t == null
                                ? null
                                : new Fit.Fitted(
                                        Map.of(),
                                        point.epochs(),
                                        point.blocks(),
                                        List.of(),
                                        null,
                                        t));
            }
            String note =
                    "depth "
                            + point.blocks()
                            + " and "
                            + point.epochs()
                            + " rounds by the best mean AUC over the "
                            + folds.size()
                            + " inner folds"
                            + (chosen.dropped().isEmpty()
                                    ? ""
                                    : " (depth "
                                            + chosen.dropped().get(0)
                                            + " dropped after "
                                            + Boosted.DECIDING_FOLDS
                                            + " folds, behind a shallower one)");
            return new OwnChoice(point, fits, note);
        }
        if (learner == Algorithm.LOGISTIC && !(p.weightDecay() > 0)) {
            Logistic.PathChoice c =
                    Logistic.chooseByFolds(data.x(), data.scaling(), data.y(), pool, folds);
            List<Fit.Fitted> fits =
                    c.foldFits().stream()
                            .map(w -> new Fit.Fitted(w, 0, 0, List.of(), c.lambda(), null))
                            .toList();
            String note =
                    String.format(
                            java.util.Locale.ROOT,
                            "L2 strength %s by the lowest mean log-loss over the %d inner folds"
                                    + " along %s (their mean AUC would choose %s)",
                            c.lambda(),
                            folds.size(),
                            Arrays.toString(Logistic.PATH),
                            c.lambdaByMeanAuc());
            return new OwnChoice(Logistic.point(p, c.lambda()), fits, note);
        }
        return new OwnChoice(p, null, null);
    }

    private Score scoreOnCarve(
            Algorithm learner, Fit.Params p, PreparedData data, TrainPlan plan, TrainTask task) {
        int[] train = Fit.pick(pool, carve.train());
        int[] valid = Fit.pick(pool, carve.test());
        Trainer.Evaluated e =
                Validator.evaluateOn(
                        learner,
                        p,
                        data.x(),
                        data.scaling(),
                        data.y(),
                        plan.seed(),
                        plan.stop(),
                        train,
                        valid);
        String note = null;
        if (learner == Algorithm.XGBOOST && (p.blocks() <= 0 || p.epochs() <= 0)) {
            // the depth and rounds the fit chose on its own fifth, reused for the final fit
            Fit.Fitted f = e.fitted();
            p = Boosted.point(f.bestEpoch(), f.epochs());
            note = "depth " + f.bestEpoch() + " and " + f.epochs() + " rounds by early stopping";
        }
        double threshold =
                task.threshold() != null
                        ? task.threshold()
                        : Metrics.bestF1Threshold(e.scores(), e.labels());
        double value = Metrics.of(e.scores(), e.labels(), threshold).get(plan.metricName());
        double se = bootstrapSe(e.scores(), e.labels(), plan.metricName(), threshold, plan.seed());
        return new Score(e, p, value, se, 1, note, null);
    }

    /** The metric on one fold (threshold: the task's, else the best F1 there). */
    static double metric(float[] scores, int[] labels, TrainTask task, String metric) {
        double threshold =
                task.threshold() != null
                        ? task.threshold()
                        : Metrics.bestF1Threshold(scores, labels);
        return Metrics.of(scores, labels, threshold).get(metric);
    }

    /** {mean, standard error, count} of the finite values; NaN where too few. */
    static double[] meanAndSe(double[] values) {
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                sum += v;
                sq += v * v;
                n++;
            }
        }
        if (n == 0) {
            return new double[] {Double.NaN, Double.NaN, 0};
        }
        double mean = sum / n;
        double se =
                n < 2 ? Double.NaN : Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)) / n);
        return new double[] {mean, se, n};
    }

    /** The standard error of the metric on these rows, by seeded bootstrap resamples. */
    static double bootstrapSe(
            float[] scores, int[] labels, String metric, double threshold, long seed) {
        Random rnd = new Random(seed);
        int n = scores.length;
        double[] values = new double[BOOTSTRAP];
        float[] s = new float[n];
        int[] l = new int[n];
        for (int b = 0; b < BOOTSTRAP; b++) {
            for (int i = 0; i < n; i++) {
                int r = rnd.nextInt(n);
                s[i] = scores[r];
                l[i] = labels[r];
            }
            values[b] = Metrics.of(s, l, threshold).get(metric);
        }
        // the spread of the resampled values is the standard error of the metric itself
        double[] ms = meanAndSe(values);
        return ms[2] < 2 ? Double.NaN : ms[1] * Math.sqrt(ms[2]);
    }

    /**
     * The one-standard-error rule: among the candidates (simplest first), the first whose mean is
     * within one standard error (the best's) of the best mean; non-finite means never win.
     *
     * @return null when no mean is finite
     */
    static Choice oneStandardError(List<String> names, double[] mean, double[] se, boolean higher) {
        int best = -1;
        for (int i = 0; i < mean.length; i++) {
            if (SearchRunner.better(mean[i], best < 0 ? Double.NaN : mean[best], higher)) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        double margin = Double.isFinite(se[best]) ? se[best] : 0;
        for (int i = 0; i < best; i++) {
            double gap = higher ? mean[best] - mean[i] : mean[i] - mean[best];
            if (Double.isFinite(mean[i]) && gap <= margin) {
                return new Choice(
                        i,
                        String.format(
                                java.util.Locale.ROOT,
                                "%s: its mean %.4f is within one standard error (%.4f) of the"
                                        + " best, %s's %.4f, and it is the simpler model",
                                names.get(i),
                                mean[i],
                                margin,
                                names.get(best),
                                mean[best]));
            }
        }
        return new Choice(
                best,
                String.format(
                        java.util.Locale.ROOT,
                        "%s: the best mean, %.4f ± %.4f, %s",
                        names.get(best),
                        mean[best],
                        margin,
                        best == 0
                                ? "and the simplest candidate"
                                : "and every simpler candidate is more than one standard error"
                                        + " below it"));
    }
}
