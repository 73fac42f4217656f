package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.operator.featureview.IcebergCatalogs;
import io.mlcycle.task.Layout;
import io.mlcycle.task.Task;
import io.mlcycle.task.TrainDefaults;
import io.mlcycle.task.TrainTask;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Checks a TrainingRun spec beyond the schema and resolves it into a {@link TrainTask}. */
public final class TrainTasks {

    private TrainTasks() {}

    /** What is wrong with a spec the schema accepted, naming the field; empty when fine. */
    public static Optional<String> invalid(TrainingRunSpec given) {
        TrainingRunSpec spec = Defaults.copy(given);
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

    /** The task for {@code tr}: every field from its spec with the CRD's defaults applied. */
    public static TrainTask task(
            TrainingRun tr, FeatureResolver.Resolution inputs, int version, String modelsUri) {
        TrainingRunSpec spec = Defaults.copy(tr.getSpec());
        String entity = spec.labels.entity != null ? spec.labels.entity : inputs.entity();
        return TrainTask.builder()
                .owner(
                        new Task.Owner(
                                "TrainingRun",
                                tr.getMetadata().getNamespace(),
                                tr.getMetadata().getName()))
                .model(spec.model)
                .version(version)
                .entity(entity)
                .features(inputs.inputs())
                .labels(
                        new TrainTask.Labels(
                                labelsUri(spec, inputs.asOf()),
                                spec.labels.format.name(),
                                entity,
                                spec.labels.column))
                .algorithm(spec.algorithm.name())
                .hyperparameters(hyperparameters(spec.hyperparameters))
                .preprocessing(
                        new TrainTask.Preprocessing(
                                spec.preprocessing.scaling.name(),
                                spec.preprocessing.dropCorrelatedAbove))
                .validation(validation(spec.validation))
                .explain(explain(spec.explain))
                .select(spec.select == null ? null : new TrainTask.Select(spec.select.topK))
                .threshold(spec.threshold)
                .selectionMetric(TrainDefaults.SELECTION_METRIC)
                .outputUri(outputUri(modelsUri, spec.model, version))
                .earlyStopping(
                        spec.earlyStopping.enabled
                                ? new TrainTask.EarlyStopping(
                                        spec.earlyStopping.validationFraction,
                                        spec.earlyStopping.patience)
                                : null)
                .search(
                        new TrainTask.Search(
                                spec.search.method.name(), spec.search.trials, spec.search.budget))
                .build();
    }

    private static TrainTask.Hyperparameters hyperparameters(TrainingRunSpec.Hyperparameters h) {
        return new TrainTask.Hyperparameters(
                h.learningRate,
                h.optimizer,
                h.epochs,
                h.batchSize,
                h.hiddenSize,
                h.blocks,
                h.dropout,
                h.weightDecay,
                h.learningRateSchedule.stream().map(Enum::name).toList());
    }

    private static TrainTask.Validation validation(TrainingRunSpec.Validation v) {
        return new TrainTask.Validation(v.method.name(), v.testFraction, v.folds, v.seed);
    }

    private static TrainTask.Explain explain(TrainingRunSpec.Explain e) {
        return new TrainTask.Explain(e.method, e.samples, e.background, e.topK);
    }

    /** The label table at the as-of: {date} replaced. */
    public static String labelsUri(TrainingRunSpec spec, String asOf) {
        return spec.labels.uri.replace("{date}", asOf);
    }

    /**
     * The catalog credentials a training pod needs: those of the first input whose Iceberg catalog
     * names credentials (one Secret per TrainingRun: the env names are the pivot's).
     */
    public static List<EnvVar> catalogEnv(
            TrainTask task, Function<String, Optional<FeatureView>> lookup) {
        return IcebergCatalogs.catalogEnv(task.features(), lookup);
    }
}
