package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.task.Layout;
import io.mlcycle.task.Task;
import io.mlcycle.task.TrainTask;

import java.util.List;
import java.util.Optional;

/** Checks a TrainingRun spec beyond the schema and resolves it into a {@link TrainTask}. */
public final class TrainTasks {

    private TrainTasks() {}

    /** What is wrong with a spec the schema accepted, naming the field; empty when fine. */
    public static Optional<String> invalid(TrainingRunSpec spec) {
        if (spec.model == null || spec.model.isBlank()) {
            return Optional.of("spec.model is required");
        }
        if (spec.features == null || spec.features.isEmpty()) {
            return Optional.of("spec.features needs at least one FeatureView");
        }
        if (spec.labels == null || spec.labels.uri == null || spec.labels.column == null) {
            return Optional.of("spec.labels needs uri and column");
        }
        if (spec.asOf != null && !"latest".equals(spec.asOf)) {
            try {
                java.time.LocalDate.parse(spec.asOf);
            } catch (java.time.format.DateTimeParseException e) {
                return Optional.of(
                        "spec.asOf: '" + spec.asOf + "' is neither latest nor an ISO date");
            }
        }
        if (spec.validation != null
                && spec.validation.method == TrainingRunSpec.Method.kfold
                && (spec.validation.folds == null || spec.validation.folds < 2)) {
            return Optional.of("spec.validation.folds must be >= 2 for kfold");
        }
        Optional<String> engine = invalidEngine(spec);
        if (engine.isPresent()) {
            return engine;
        }
        if (spec.retrain != null && spec.retrain.schedule != null) {
            try {
                Schedules.parse(spec.retrain.schedule, "UTC", "spec.retrain.schedule");
            } catch (IllegalArgumentException e) {
                return Optional.of(e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** spec.engine and spec.spark: Spark trains xgboost only, its settings need engine spark. */
    static Optional<String> invalidEngine(TrainingRunSpec spec) {
        if (spec.engine != TrainingRunSpec.Engine.spark) {
            return spec.spark == null
                    ? Optional.empty()
                    : Optional.of(
                            "spec.spark is set but spec.engine is "
                                    + spec.engine
                                    + ": spark settings need engine: spark");
        }
        if (spec.algorithm != TrainingRunSpec.Algorithm.xgboost) {
            return Optional.of(
                    "spec.algorithm '"
                            + spec.algorithm
                            + "' cannot run with spec.engine 'spark', which trains xgboost only"
                            + " (XGBoost4J-Spark): set spec.algorithm: xgboost, or spec.engine: pod"
                            + " to compare algorithms");
        }
        return Optional.empty();
    }

    /** {@code <modelsUri>/<model>/v<N>/}. */
    public static String outputUri(String modelsUri, String model, int version) {
        return Layout.versionUri(modelsUri, model, version);
    }

    public static TrainTask task(
            TrainingRun tr, FeatureResolver.Resolution inputs, int version, String modelsUri) {
        TrainingRunSpec spec = Defaults.copy(tr.getSpec());
        TrainingRunSpec.Hyperparameters h =
                spec.hyperparameters == null
                        ? new TrainingRunSpec.Hyperparameters()
                        : spec.hyperparameters;
        TrainingRunSpec.Preprocessing p =
                spec.preprocessing == null
                        ? new TrainingRunSpec.Preprocessing()
                        : spec.preprocessing;
        TrainingRunSpec.Validation v =
                spec.validation == null ? new TrainingRunSpec.Validation() : spec.validation;
        TrainingRunSpec.Explain e =
                spec.explain == null ? new TrainingRunSpec.Explain() : spec.explain;
        String entity = spec.labels.entity != null ? spec.labels.entity : inputs.entity();
        return new TrainTask(
                new Task.Owner(
                        "TrainingRun", tr.getMetadata().getNamespace(), tr.getMetadata().getName()),
                spec.model,
                version,
                entity,
                inputs.inputs(),
                new TrainTask.Labels(
                        labelsUri(spec, inputs.asOf()),
                        spec.labels.format.name(),
                        entity,
                        spec.labels.column),
                spec.algorithm.name(),
                new TrainTask.Hyperparameters(
                        orDefault(h.learningRate, List.of(0.001)),
                        orDefault(h.optimizer, List.of("adam")),
                        orDefault(h.epochs, List.of(10)),
                        orDefault(h.batchSize, List.of(256)),
                        orDefault(h.hiddenSize, List.of(128)),
                        orDefault(h.blocks, List.of(2)),
                        orDefault(h.dropout, List.of(0.1)),
                        orDefault(h.weightDecay, List.of(0.0)),
                        h.learningRateSchedule == null || h.learningRateSchedule.isEmpty()
                                ? null
                                : h.learningRateSchedule.stream().map(Enum::name).toList()),
                new TrainTask.Preprocessing(p.scaling.name(), p.dropCorrelatedAbove),
                new TrainTask.Validation(v.method.name(), v.testFraction, v.folds, v.seed),
                new TrainTask.Explain(e.method, e.samples, e.background, e.topK),
                spec.select == null || spec.select.topK == null
                        ? null
                        : new TrainTask.Select(spec.select.topK),
                spec.threshold,
                "auc",
                outputUri(modelsUri, spec.model, version),
                spec.earlyStopping == null || !spec.earlyStopping.enabled
                        ? null
                        : new TrainTask.EarlyStopping(
                                spec.earlyStopping.validationFraction, spec.earlyStopping.patience),
                spec.search == null
                        ? null
                        : new TrainTask.Search(
                                spec.search.method == null ? null : spec.search.method.name(),
                                spec.search.trials,
                                spec.search.budget));
    }

    /** The label table at the as-of: {date} replaced. */
    public static String labelsUri(TrainingRunSpec spec, String asOf) {
        return spec.labels.uri.replace("{date}", asOf);
    }

    private static <T> List<T> orDefault(List<T> value, List<T> fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
