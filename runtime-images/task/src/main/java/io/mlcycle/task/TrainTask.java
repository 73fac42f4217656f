package io.mlcycle.task;

import java.util.List;

/**
 * One training: join feature tables and labels by entity, search the grid, evaluate, explain, and
 * write the artifact to {@code outputUri} ({@code <models>/<model>/v<version>/}).
 *
 * @param algorithm resnet, mlp or logistic
 * @param threshold decision threshold for precision/recall/F1 (null: chosen by max F1 on the
 *     validation data, and recorded)
 * @param selectionMetric metric that picks the best trial (e.g. auc)
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
        String outputUri)
        implements Task {

    /** Label table: Parquet or CSV with the entity column and a 0/1 label column. */
    public record Labels(String uri, String format, String entity, String column) {}

    /** Every field is a grid axis; one value means a fixed parameter. */
    public record Hyperparameters(
            List<Double> learningRate,
            List<String> optimizer,
            List<Integer> epochs,
            List<Integer> batchSize,
            List<Integer> hiddenSize,
            List<Integer> blocks,
            List<Double> dropout,
            List<Double> weightDecay) {}

    /**
     * @param scaling minmax or none
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

    /** Retrain on the top-K features by importance and report both models. */
    public record Select(int topK) {}
}
