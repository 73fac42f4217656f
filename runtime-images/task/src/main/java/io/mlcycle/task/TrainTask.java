package io.mlcycle.task;

import java.util.List;

/**
 * One training: join feature tables and labels by entity, search the grid, evaluate, explain, and
 * write the artifact to {@code outputUri} ({@code <models>/<model>/v<version>/}).
 *
 * <p>The operator fills every field (the defaults are {@link TrainDefaults}); the trainer refuses a
 * task with one missing. Optional by meaning: {@code select}, {@code threshold}, {@code
 * earlyStopping} (null: train every epoch), {@code preprocessing.dropCorrelatedAbove} and {@code
 * search.budget}.
 *
 * @param algorithm auto (fit logistic, xgboost and resnet, keep the best on rows carved from the
 *     training rows), resnet, mlp, logistic, xgboost or ensemble (auto's candidates blended)
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

    /** A builder that starts from {@link TrainDefaults}, as the operator does. */
    public static Builder builder() {
        return new Builder();
    }

    /** Label table: Parquet or CSV with the entity column and a 0/1 label column. */
    public record Labels(String uri, String format, String entity, String column) {}

    /**
     * Every field is a grid axis; one value means a fixed parameter.
     *
     * @param learningRateSchedule constant or cosine (decay to 0 over all epochs)
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
            List<String> learningRateSchedule) {}

    /**
     * @param scaling minmax, log (sign(v)·log1p(|v|), then min-max over the transformed stored
     *     min/max; for counts and sums) or none
     * @param dropCorrelatedAbove drop one of each feature pair with |pearson r| above this (null:
     *     keep all)
     */
    public record Preprocessing(String scaling, Double dropCorrelatedAbove) {}

    /** holdout (testFraction) or kfold (folds); stratified, seeded. */
    public record Validation(String method, Double testFraction, Integer folds, Long seed) {}

    /**
     * @param method shap (or none)
     * @param samples rows explained
     * @param background rows of the background sample
     * @param topK features reported
     */
    public record Explain(String method, Integer samples, Integer background, Integer topK) {}

    /**
     * Each training holds out a stratified share of its own training rows (never the validation
     * rows that score the trial), scores them after every epoch by the selection metric, stops
     * after {@code patience} epochs without improvement and keeps the best epoch's parameters;
     * {@code hyperparameters.epochs} is the most it trains.
     *
     * @param validationFraction share held out, 0 &lt; f &lt; 1
     * @param patience epochs without improvement before stopping, &gt;= 1
     */
    public record EarlyStopping(Double validationFraction, Integer patience) {}

    /**
     * How the hyper-parameter points (and, for auto, the learners) are tried.
     *
     * @param method grid (every point), random ({@code trials} points drawn from the grid) or
     *     halving (successive halving: every point on a third of the epochs, the best third on
     *     three times as many, … until one is left)
     * @param trials points drawn by random
     * @param budget wall-clock time after which no new trial starts, e.g. {@code 10m}, {@code 90s},
     *     {@code 1h} (null: none); the trials not run are reported
     */
    public record Search(String method, Integer trials, String budget) {}

    /** Retrain on the top-K features by importance and report both models. */
    public record Select(int topK) {}

    /**
     * Builds a task as the operator writes it: every section starts at {@link TrainDefaults}, and
     * {@link #build} fills what a given section leaves null from them too; earlyStopping set to
     * null means none.
     */
    public static final class Builder {
        private Owner owner;
        private String model;
        private int version = 1;
        private String entity;
        private List<FeatureInput> features = List.of();
        private Labels labels;
        private String algorithm = TrainDefaults.ALGORITHM;
        private Hyperparameters hyperparameters = TrainDefaults.hyperparameters();
        private Preprocessing preprocessing = TrainDefaults.preprocessing();
        private Validation validation = TrainDefaults.validation();
        private Explain explain = TrainDefaults.explain();
        private Select select;
        private Double threshold;
        private String selectionMetric = TrainDefaults.SELECTION_METRIC;
        private String outputUri;
        private EarlyStopping earlyStopping = TrainDefaults.earlyStopping();
        private Search search = TrainDefaults.search();

        private Builder() {}

        public Builder owner(Owner v) {
            owner = v;
            return this;
        }

        public Builder model(String v) {
            model = v;
            return this;
        }

        public Builder version(int v) {
            version = v;
            return this;
        }

        public Builder entity(String v) {
            entity = v;
            return this;
        }

        public Builder features(List<FeatureInput> v) {
            features = v;
            return this;
        }

        public Builder labels(Labels v) {
            labels = v;
            return this;
        }

        public Builder algorithm(String v) {
            algorithm = v;
            return this;
        }

        public Builder hyperparameters(Hyperparameters v) {
            hyperparameters = v;
            return this;
        }

        public Builder preprocessing(Preprocessing v) {
            preprocessing = v;
            return this;
        }

        public Builder validation(Validation v) {
            validation = v;
            return this;
        }

        public Builder explain(Explain v) {
            explain = v;
            return this;
        }

        public Builder select(Select v) {
            select = v;
            return this;
        }

        public Builder threshold(Double v) {
            threshold = v;
            return this;
        }

        public Builder selectionMetric(String v) {
            selectionMetric = v;
            return this;
        }

        public Builder outputUri(String v) {
            outputUri = v;
            return this;
        }

        public Builder earlyStopping(EarlyStopping v) {
            earlyStopping = v;
            return this;
        }

        public Builder search(Search v) {
            search = v;
            return this;
        }

        public TrainTask build() {
            return new TrainTask(
                    owner,
                    model,
                    version,
                    entity,
                    features,
                    labels,
                    algorithm == null ? TrainDefaults.ALGORITHM : algorithm,
                    complete(hyperparameters),
                    complete(preprocessing),
                    complete(validation),
                    complete(explain),
                    select,
                    threshold,
                    selectionMetric == null ? TrainDefaults.SELECTION_METRIC : selectionMetric,
                    outputUri,
                    complete(earlyStopping),
                    complete(search));
        }

        private static Hyperparameters complete(Hyperparameters h) {
            Hyperparameters d = TrainDefaults.hyperparameters();
            if (h == null) {
                return d;
            }
            return new Hyperparameters(
                    or(h.learningRate(), d.learningRate()),
                    or(h.optimizer(), d.optimizer()),
                    or(h.epochs(), d.epochs()),
                    or(h.batchSize(), d.batchSize()),
                    or(h.hiddenSize(), d.hiddenSize()),
                    or(h.blocks(), d.blocks()),
                    or(h.dropout(), d.dropout()),
                    or(h.weightDecay(), d.weightDecay()),
                    or(h.learningRateSchedule(), d.learningRateSchedule()));
        }

        private static Preprocessing complete(Preprocessing p) {
            return p == null
                    ? TrainDefaults.preprocessing()
                    : new Preprocessing(
                            p.scaling() == null ? TrainDefaults.SCALING : p.scaling(),
                            p.dropCorrelatedAbove());
        }

        private static Validation complete(Validation v) {
            Validation d = TrainDefaults.validation();
            return v == null
                    ? d
                    : new Validation(
                            or(v.method(), d.method()),
                            or(v.testFraction(), d.testFraction()),
                            or(v.folds(), d.folds()),
                            or(v.seed(), d.seed()));
        }

        private static Explain complete(Explain e) {
            Explain d = TrainDefaults.explain();
            return e == null
                    ? d
                    : new Explain(
                            or(e.method(), d.method()),
                            or(e.samples(), d.samples()),
                            or(e.background(), d.background()),
                            or(e.topK(), d.topK()));
        }

        private static EarlyStopping complete(EarlyStopping e) {
            return e == null
                    ? null
                    : new EarlyStopping(
                            or(e.validationFraction(), TrainDefaults.EARLY_STOPPING_FRACTION),
                            or(e.patience(), TrainDefaults.PATIENCE));
        }

        private static Search complete(Search s) {
            return s == null
                    ? TrainDefaults.search()
                    : new Search(
                            or(s.method(), TrainDefaults.SEARCH_METHOD),
                            or(s.trials(), TrainDefaults.SEARCH_TRIALS),
                            s.budget());
        }

        private static <T> List<T> or(List<T> v, List<T> d) {
            return v == null || v.isEmpty() ? d : v;
        }

        private static <T> T or(T v, T d) {
            return v == null ? d : v;
        }
    }
}
