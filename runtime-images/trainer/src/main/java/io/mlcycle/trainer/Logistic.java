package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.TabularNet;

import java.util.Arrays;
import java.util.List;

/**
 * L2-regularized logistic regression fitted to its optimum: minimizes {@code mean log-loss + λ/2
 * ||w||²} (bias not penalized) by truncated Newton — conjugate gradients on exact Hessian-vector
 * products, then a backtracking line search — on the same scaled inputs the network would see. λ is
 * fixed by {@code weightDecay > 0}, otherwise chosen on a stratified fifth of the training rows (by
 * AUC) along a path from strong to weak, warm-started; the final fit uses all training rows. Where
 * {@code auto} compares by inner folds, {@link #chooseByFolds} chooses λ by their mean log-loss
 * instead.
 */
final class Logistic {

    /** λ path, strongest first; each fit starts from the previous optimum. */
    static final double[] PATH = {1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6};

    static final double VALIDATION_FRACTION = 0.2;
    private static final int MAX_NEWTON = 200;
    private static final int MAX_CG = 250;
    private static final double GRADIENT_TOLERANCE = 1e-7;

    private Logistic() {}

    /** The parameters and the λ they were fitted with. */
    record Result(java.util.Map<String, float[]> params, double lambda, List<Double> history) {}

    /** Fits on {@code rows}; {@code fixedLambda > 0} skips the choice of λ. */
    static Result fit(
            SparseMatrix x,
            InputScaling scaling,
            int[] y,
            int[] rows,
            double fixedLambda,
            long seed) {
        double lambda = fixedLambda;
        List<Double> history = List.of();
        double[] w = new double[x.numFeatures() + 1];
        if (!(fixedLambda > 0)) {
            Splits.Split s = Splits.holdout(Validator.labelsOf(y, rows), VALIDATION_FRACTION, seed);
            int[] train = Fit.pick(rows, s.train());
            int[] valid = Fit.pick(rows, s.test());
            int[] validLabels = Validator.labelsOf(y, valid);
            Data d = Data.of(x, scaling, y, train);
            double best = Double.NEGATIVE_INFINITY;
            lambda = PATH[0];
            Double[] aucs = new Double[PATH.length];
            for (int i = 0; i < PATH.length; i++) {
                newton(d, w, PATH[i]);
                double auc = Metrics.auc(scores(x, scaling, w, valid), validLabels);
                aucs[i] = auc;
                if (auc > best + 1e-6) {
                    best = auc;
                    lambda = PATH[i];
                }
            }
            history = Arrays.asList(aucs);
            Arrays.fill(w, 0);
        }
        newton(Data.of(x, scaling, y, rows), w, lambda);
        return new Result(parameters(w), lambda, history);
    }

    /** The fitted weights (bias last) as the linear model's parameters. */
    static java.util.Map<String, float[]> parameters(double[] w) {
        float[] weights = new float[w.length - 1];
        for (int j = 0; j < weights.length; j++) {
            weights[j] = (float) w[j];
        }
        return TabularNet.linearParameters(weights, (float) w[weights.length]);
    }

    /**
     * λ chosen by {@link #chooseByFolds}, with each λ of {@link #PATH} scored over the folds: the
     * mean of the folds' AUCs, the AUC of the pooled out-of-fold probabilities, and the mean
     * log-loss of the folds' test rows; {@code foldFits}: each fold's parameters at the chosen λ
     * (its training part's optimum there, reached along the path), reused to score the fold.
     */
    record PathChoice(
            double lambda,
            double[] meanAuc,
            double[] pooledAuc,
            double[] meanLogLoss,
            List<java.util.Map<String, float[]>> foldFits) {

        double lambdaByMeanAuc() {
            return PATH[best(meanAuc, true)];
        }

        double lambdaByPooledAuc() {
            return PATH[best(pooledAuc, true)];
        }

        double lambdaByLogLoss() {
            return PATH[best(meanLogLoss, false)];
        }

        /** The best index, the stronger λ on a tie within 1e-9. */
        static int best(double[] values, boolean higher) {
            int best = 0;
            for (int i = 1; i < values.length; i++) {
                double gain = higher ? values[i] - values[best] : values[best] - values[i];
                if (gain > 1e-9) {
                    best = i;
                }
            }
            return best;
        }
    }

    /**
     * The λ of {@link #PATH} with the lowest mean test log-loss over {@code folds} (positions into
     * {@code pool}): each fold's training part is fitted along the path, warm-started, and scored
     * on its test part at every λ. Every training row is scored once, where the carve of {@link
     * #fit} scores a fifth of them.
     */
    static PathChoice chooseByFolds(
            SparseMatrix x, InputScaling scaling, int[] y, int[] pool, List<Splits.Split> folds) {
        double[] auc = new double[PATH.length];
        double[] logLoss = new double[PATH.length];
        float[][] oof = new float[PATH.length][pool.length];
        double[][][] weights = new double[PATH.length][folds.size()][];
        for (int f = 0; f < folds.size(); f++) {
            Splits.Split s = folds.get(f);
            Data train = Data.of(x, scaling, y, Fit.pick(pool, s.train()));
            Data test = Data.of(x, scaling, y, Fit.pick(pool, s.test()));
            int[] labels = Validator.labelsOf(y, Fit.pick(pool, s.test()));
            double[] w = new double[x.numFeatures() + 1];
            for (int i = 0; i < PATH.length; i++) {
                newton(train, w, PATH[i]);
                weights[i][f] = w.clone();
                double[] m = test.margins(w);
                float[] p = new float[m.length];
                for (int r = 0; r < m.length; r++) {
                    p[r] = (float) sigmoid(m[r]);
                    oof[i][s.test()[r]] = p[r];
                }
                auc[i] += Metrics.auc(p, labels) / folds.size();
                logLoss[i] += objective(test, m, w, 0) / folds.size();
            }
        }
        int[] labels = Validator.labelsOf(y, pool);
        double[] pooled = new double[PATH.length];
        for (int i = 0; i < PATH.length; i++) {
            pooled[i] = Metrics.auc(oof[i], labels);
        }
        int chosen = PathChoice.best(logLoss, false);
        List<java.util.Map<String, float[]>> fits =
                Arrays.stream(weights[chosen]).map(Logistic::parameters).toList();
        return new PathChoice(PATH[chosen], auc, pooled, logLoss, fits);
    }

    /** The logistic point {@code p} with its L2 strength fixed at {@code lambda}. */
    static Fit.Params point(Fit.Params p, double lambda) {
        return new Fit.Params(
                p.learningRate(),
                p.optimizer(),
                p.epochs(),
                p.batchSize(),
                p.hiddenSize(),
                p.blocks(),
                p.dropout(),
                lambda,
                p.learningRateSchedule());
    }

    /** Rows in compressed form with their scaled inputs and labels. */
    record Data(int[] rowPtr, int[] cols, double[] vals, double[] y, int features) {

        static Data of(SparseMatrix x, InputScaling scaling, int[] labels, int[] rows) {
            int[] ptr = new int[rows.length + 1];
            for (int i = 0; i < rows.length; i++) {
                ptr[i + 1] = ptr[i] + x.rowPtr()[rows[i] + 1] - x.rowPtr()[rows[i]];
            }
            int[] cols = new int[ptr[rows.length]];
            double[] vals = new double[cols.length];
            double[] y = new double[rows.length];
            int n = 0;
            for (int i = 0; i < rows.length; i++) {
                int r = rows[i];
                y[i] = labels[r];
                for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                    cols[n] = x.cols()[k];
                    vals[n++] = scaling.input(x.cols()[k], x.values()[k]);
                }
            }
            return new Data(ptr, cols, vals, y, x.numFeatures());
        }

        int rows() {
            return y.length;
        }

        /** z_i · w + b for every row (the bias is the last entry of {@code w}). */
        double[] margins(double[] w) {
            double[] m = new double[rows()];
            for (int i = 0; i < m.length; i++) {
                double s = w[features];
                for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
                    s += vals[k] * w[cols[k]];
                }
                m[i] = s;
            }
            return m;
        }

        /** Zᵀ a, with the bias column (all ones) last. */
        double[] transposeTimes(double[] a) {
            double[] g = new double[features + 1];
            for (int i = 0; i < a.length; i++) {
                if (a[i] == 0) {
                    continue;
                }
                for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
                    g[cols[k]] += vals[k] * a[i];
                }
                g[features] += a[i];
            }
            return g;
        }
    }

    /** The regularized mean log-loss at margins {@code m}. */
    static double objective(Data d, double[] m, double[] w, double lambda) {
        double loss = 0;
        for (int i = 0; i < m.length; i++) {
            // log(1 + e^-z) for the right sign, computed without overflow
            double z = d.y[i] == 1 ? m[i] : -m[i];
            loss += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
        }
        double reg = 0;
        for (int j = 0; j < d.features; j++) {
            reg += w[j] * w[j];
        }
        return loss / m.length + lambda / 2 * reg;
    }

    /** Minimizes the objective from {@code w} in place. */
    static void newton(Data d, double[] w, double lambda) {
        int n = d.rows();
        double[] m = d.margins(w);
        double f = objective(d, m, w, lambda);
        double g0 = -1;
        for (int iter = 0; iter < MAX_NEWTON; iter++) {
            double[] p = new double[n];
            double[] curvature = new double[n];
            double[] residual = new double[n];
            for (int i = 0; i < n; i++) {
                p[i] = sigmoid(m[i]);
                residual[i] = (p[i] - d.y[i]) / n;
                curvature[i] = p[i] * (1 - p[i]) / n;
            }
            double[] g = d.transposeTimes(residual);
            for (int j = 0; j < d.features; j++) {
                g[j] += lambda * w[j];
            }
            double gnorm = norm(g);
            if (g0 < 0) {
                g0 = Math.max(gnorm, 1e-12);
            }
            if (gnorm <= GRADIENT_TOLERANCE * Math.max(1, g0)) {
                return;
            }
            double[] dir = conjugateGradient(d, curvature, g, lambda, Math.min(0.1, gnorm));
            double slope = dot(g, dir);
            double t = 1;
            double[] dm = d.margins(dir);
            double[] wNew = new double[w.length];
            double[] mNew = new double[n];
            double fNew = f;
            boolean accepted = false;
            for (int ls = 0; ls < 40; ls++) {
                for (int j = 0; j < w.length; j++) {
                    wNew[j] = w[j] + t * dir[j];
                }
                for (int i = 0; i < n; i++) {
                    mNew[i] = m[i] + t * dm[i];
                }
                fNew = objective(d, mNew, wNew, lambda);
                if (fNew <= f + 1e-4 * t * slope) {
                    accepted = true;
                    break;
                }
                t /= 2;
            }
            if (!accepted) {
                return; // no descent left at double precision: at the optimum
            }
            System.arraycopy(wNew, 0, w, 0, w.length);
            System.arraycopy(mNew, 0, m, 0, n);
            double decrease = f - fNew;
            f = fNew;
            if (decrease <= 1e-12 * Math.max(1, Math.abs(f))) {
                return;
            }
        }
    }

    /** Solves (Zᵀ D Z + λ I') s = −g approximately (I' leaves the bias out). */
    private static double[] conjugateGradient(
            Data d, double[] curvature, double[] g, double lambda, double relTol) {
        int size = g.length;
        double[] s = new double[size];
        double[] r = new double[size];
        for (int j = 0; j < size; j++) {
            r[j] = -g[j];
        }
        double[] q = r.clone();
        double rr = dot(r, r);
        double stop = relTol * relTol * rr;
        for (int it = 0; it < MAX_CG && rr > stop; it++) {
            double[] hq = hessianTimes(d, curvature, q, lambda);
            double qhq = dot(q, hq);
            if (qhq <= 0) {
                break;
            }
            double alpha = rr / qhq;
            for (int j = 0; j < size; j++) {
                s[j] += alpha * q[j];
                r[j] -= alpha * hq[j];
            }
            double rrNew = dot(r, r);
            double beta = rrNew / rr;
            rr = rrNew;
            for (int j = 0; j < size; j++) {
                q[j] = r[j] + beta * q[j];
            }
        }
        return s;
    }

    private static double[] hessianTimes(Data d, double[] curvature, double[] v, double lambda) {
        double[] zv = d.margins(v);
        for (int i = 0; i < zv.length; i++) {
            zv[i] *= curvature[i];
        }
        double[] h = d.transposeTimes(zv);
        for (int j = 0; j < d.features; j++) {
            h[j] += lambda * v[j];
        }
        // a touch of curvature on the bias keeps the system definite when every row is absent
        h[d.features] += 1e-12 * v[d.features];
        return h;
    }

    private static float[] scores(SparseMatrix x, InputScaling scaling, double[] w, int[] rows) {
        float[] out = new float[rows.length];
        int b = x.numFeatures();
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            double s = w[b];
            for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                s += scaling.input(x.cols()[k], x.values()[k]) * w[x.cols()[k]];
            }
            out[i] = (float) sigmoid(s);
        }
        return out;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
