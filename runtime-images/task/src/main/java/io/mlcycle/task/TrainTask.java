package io.mlcycle.task;

import java.util.List;

/**
 * One training: join feature tables and labels by entity, search the grid, evaluate, explain, and
 * write the artifact to {@code outputUri} ({@code <models>/<model>/v<version>/}).
 *
 * @param algorithm auto (fit logistic, xgboost and resnet, keep the best on rows carved from the
 *     training rows), resnet, mlp, logistic or xgboost; null: auto
 * @param threshold decision threshold for precision/recall/F1 (null: chosen by max F1 on the
 *     validation data, and recorded)
 * @param selectionMetric metric that picks the best trial (e.g. auc)
 * @param earlyStopping stop each training when the selection metric on rows held out of its
 *     training data stops improving, keeping the best epoch (null: train every epoch)
 */
public record TrainTask(
        Owner owner,
        String model,
        int version,
        String entity,
        List<FeatureInput> features,
        Labels labels,
        String algorithm,
        Hyperparameters hyperparameters,
        Preprocessing preprocessing,
        Validation validation,
        Explain explain,
        Select select,
        Double threshold,
        String selectionMetric,
        String outputUri,
        EarlyStopping earlyStopping,
        Search search)
        implements Task {

    /** Without a search section: the whole grid, no time budget. */
    public TrainTask(
            Owner owner,
            String model,
            int version,
            String entity,
            List<FeatureInput> features,
            Labels labels,
            String algorithm,
            Hyperparameters hyperparameters,
            Preprocessing preprocessing,
            Validation validation,
            Explain explain,
            Select select,
            Double threshold,
            String selectionMetric,
            String outputUri,
            EarlyStopping earlyStopping) {
        this(
                owner,
                model,
                version,
                entity,
                features,
                labels,
                algorithm,
                hyperparameters,
                preprocessing,
                validation,
                explain,
                select,
                threshold,
                selectionMetric,
                outputUri,
                earlyStopping,
                null);
    }

    /** Without early stopping. */
    public TrainTask(
            Owner owner,
            String model,
            int version,
            String entity,
            List<FeatureInput> features,
            Labels labels,
            String algorithm,
            Hyperparameters hyperparameters,
            Preprocessing preprocessing,
            Validation validation,
            Explain explain,
            Select select,
            Double threshold,
            String selectionMetric,
            String outputUri) {
        this(
                owner,
                model,
                version,
                entity,
                features,
                labels,
                algorithm,
                hyperparameters,
                preprocessing,
                validation,
                explain,
                select,
                threshold,
                selectionMetric,
                outputUri,
                null);
    }

    /** Label table: Parquet or CSV with the entity column and a 0/1 label column. */
    public record Labels(String uri, String format, String entity, String column) {}

    /**
     * Every field is a grid axis; one value means a fixed parameter.
     *
     * @param learningRateSchedule constant or cosine (decay to 0 over all epochs); null: constant
     */
    public record Hyperparameters(
            List<Double> learningRate,
            List<String> optimizer,
            List<Integer> epochs,
            List<Integer> batchSize,
            List<Integer> hiddenSize,
            List<Integer> blocks,
            List<Double> dropout,
            List<Double> weightDecay,
            List<String> learningRateSchedule) {

        /** A constant learning rate. */
        public Hyperparameters(
                List<Double> learningRate,
                List<String> optimizer,
                List<Integer> epochs,
                List<Integer> batchSize,
                List<Integer> hiddenSize,
                List<Integer> blocks,
                List<Double> dropout,
                List<Double> weightDecay) {
            this(
                    learningRate,
                    optimizer,
                    epochs,
                    batchSize,
                    hiddenSize,
                    blocks,
                    dropout,
                    weightDecay,
                    null);
        }
    }

    /**
     * @param scaling minmax, log (sign(v)·log1p(|v|), then min-max over the transformed stored
     *     min/max; for counts and sums) or none; null: minmax
     * @param dropCorrelatedAbove drop one of each feature pair with |pearson r| above this (null:
     *     keep all)
     */
    public record Preprocessing(String scaling, Double dropCorrelatedAbove) {}

    /** holdout (testFraction) or kfold (folds); stratified, seeded. */
    public record Validation(String method, double testFraction, int folds, long seed) {}

    /**
     * @param method shap (or none)
     * @param samples rows explained
     * @param background rows of the background sample
     * @param topK features reported
     */
    public record Explain(String method, int samples, int background, int topK) {}

    /**
     * Each training holds out a stratified share of its own training rows (never the validation
     * rows that score the trial), scores them after every epoch by the selection metric, stops
     * after {@code patience} epochs without improvement and keeps the best epoch's parameters;
     * {@code hyperparameters.epochs} is the most it trains.
     *
     * @param validationFraction share held out, 0 &lt; f &lt; 1 (null: 0.1)
     * @param patience epochs without improvement before stopping, &gt;= 1 (null: 2)
     */
    public record EarlyStopping(Double validationFraction, Integer patience) {}

    /**
     * How the hyper-parameter points (and, for auto, the learners) are tried.
     *
     * @param method grid (every point), random ({@code trials} points drawn from the grid) or
     *     halving (successive halving: every point on a third of the epochs, the best third on
     *     three times as many, … until one is left); null: grid
     * @param trials points drawn by random (null: 10)
     * @param budget wall-clock time after which no new trial starts, e.g. {@code 10m}, {@code 90s},
     *     {@code 1h} (null: none); the trials not run are reported
     */
    public record Search(String method, Integer trials, String budget) {}

    /** Retrain on the top-K features by importance and report both models. */
    public record Select(int topK) {}
}
