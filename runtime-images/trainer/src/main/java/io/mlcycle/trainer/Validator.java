package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.TrainTask;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hold-out or k-fold evaluation of one hyper-parameter point. Hold-out keeps the fitted model;
 * k-fold scores each row with the model that did not see it (out-of-fold) and leaves the final fit
 * on all rows to the caller.
 */
abstract sealed class Validator {

    static Validator of(TrainTask.Validation v, int[] y) {
        String method = v.method() == null ? "holdout" : v.method().toLowerCase(Locale.ROOT);
        try {
            return switch (method) {
                case "holdout" -> new Holdout(Splits.holdout(y, v.testFraction(), v.seed()));
                case "kfold" -> new KFold(Splits.kfold(y, v.folds(), v.seed()), y.length);
                default ->
                        throw TaskFailure.invalid(
                                "UnknownValidation",
                                "validation.method '" + v.method() + "' is not holdout or kfold");
            };
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("InvalidValidation", e.getMessage());
        }
    }

    abstract String method();

    abstract Trainer.Evaluated evaluate(
            Algorithm algorithm,
            Fit.Params p,
            SparseMatrix x,
            InputScaling scaling,
            int[] y,
            long seed,
            Fit.EarlyStopping stop);

    /** Rows every trial may train on; auto carves its selection rows out of these. */
    abstract int[] trainingRows();

    /** Fits on {@code train} and scores {@code valid} (a hold-out; auto's selection trials). */
    static Trainer.Evaluated evaluateOn(
            Algorithm algorithm,
            Fit.Params p,
            SparseMatrix x,
            InputScaling scaling,
            int[] y,
            long seed,
            Fit.EarlyStopping stop,
            int[] train,
            int[] valid) {
        long t0 = System.nanoTime();
        Fit.Fitted fitted = Fit.fit(algorithm, p, x, scaling, y, train, seed, stop);
        return new Trainer.Evaluated(
                score(algorithm, p, fitted, x, scaling, valid),
                labelsOf(y, valid),
                fitted,
                List.of(fitted),
                (System.nanoTime() - t0) / 1e9);
    }

    /** Rows whose predictions are explained (never trained on, where there is such a set). */
    abstract int[] explainRows();

    /** Rows the background sample is drawn from. */
    abstract int[] backgroundRows();

    /** Scores {@code rows} of {@code x} with what {@code fitted} holds, as a saved model would. */
    static float[] score(
            Algorithm algorithm,
            Fit.Params p,
            Fit.Fitted fitted,
            SparseMatrix x,
            InputScaling scaling,
            int[] rows) {
        return fitted.trees() != null
                ? ModelArtifact.of(spec(algorithm, p, x, scaling), fitted.trees())
                        .predict(FeatureAssembler.rows(x, rows))
                : score(algorithm, p, fitted.params(), x, scaling, rows);
    }

    /** Scores {@code rows} of {@code x} with the network {@code params}, as a saved model would. */
    static float[] score(
            Algorithm algorithm,
            Fit.Params p,
            Map<String, float[]> params,
            SparseMatrix x,
            InputScaling scaling,
            int[] rows) {
        return ModelArtifact.of(spec(algorithm, p, x, scaling), params)
                .predict(FeatureAssembler.rows(x, rows));
    }

    private static ModelSpec spec(
            Algorithm algorithm, Fit.Params p, SparseMatrix x, InputScaling scaling) {
        List<ModelSpec.Feature> features =
                java.util.stream.IntStream.range(0, x.numFeatures())
                        .mapToObj(j -> new ModelSpec.Feature("f" + j, "", "f" + j))
                        .toList();
        return new ModelSpec(
                "trial",
                0,
                algorithm.id(),
                null,
                features,
                scaling.toSpec(),
                0.5,
                p.architecture(x.numFeatures()),
                null,
                null,
                null,
                null,
                null);
    }

    static int[] labelsOf(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }

    static final class Holdout extends Validator {
        private final Splits.Split split;

        Holdout(Splits.Split split) {
            this.split = split;
        }

        @Override
        String method() {
            return "holdout";
        }

        @Override
        Trainer.Evaluated evaluate(
                Algorithm algorithm,
                Fit.Params p,
                SparseMatrix x,
                InputScaling scaling,
                int[] y,
                long seed,
                Fit.EarlyStopping stop) {
            return evaluateOn(algorithm, p, x, scaling, y, seed, stop, split.train(), split.test());
        }

        @Override
        int[] trainingRows() {
            return split.train();
        }

        @Override
        int[] explainRows() {
            return split.test();
        }

        @Override
        int[] backgroundRows() {
            return split.train();
        }
    }

    static final class KFold extends Validator {
        private final List<Splits.Split> folds;
        private final int rows;

        KFold(List<Splits.Split> folds, int rows) {
            this.folds = folds;
            this.rows = rows;
        }

        @Override
        String method() {
            return "kfold";
        }

        @Override
        Trainer.Evaluated evaluate(
                Algorithm algorithm,
                Fit.Params p,
                SparseMatrix x,
                InputScaling scaling,
                int[] y,
                long seed,
                Fit.EarlyStopping stop) {
            long t0 = System.nanoTime();
            float[] oof = new float[rows];
            List<Fit.Fitted> fits = new java.util.ArrayList<>();
            for (int f = 0; f < folds.size(); f++) {
                Splits.Split s = folds.get(f);
                Fit.Fitted fitted = Fit.fit(algorithm, p, x, scaling, y, s.train(), seed + f, stop);
                fits.add(fitted);
                float[] scores = score(algorithm, p, fitted, x, scaling, s.test());
                for (int i = 0; i < s.test().length; i++) {
                    oof[s.test()[i]] = scores[i];
                }
            }
            return new Trainer.Evaluated(
                    oof, y.clone(), null, List.copyOf(fits), (System.nanoTime() - t0) / 1e9);
        }

        @Override
        int[] trainingRows() {
            return Trainer.identity(rows);
        }

        @Override
        int[] explainRows() {
            return Trainer.identity(rows);
        }

        @Override
        int[] backgroundRows() {
            return Trainer.identity(rows);
        }
    }
}
