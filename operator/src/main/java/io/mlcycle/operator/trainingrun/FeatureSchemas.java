package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.FeatureImportance;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainTask;

import java.util.List;
import java.util.function.Function;

/**
 * The feature schema a ModelVersion records (pure): the trainer's top features by mean |SHAP| with
 * each one's share of their mass, and the views of the training task with their spec generation.
 */
public final class FeatureSchemas {

    private FeatureSchemas() {}

    /**
     * The schema of a training; null when the trainer ranked no feature (explain.method none).
     *
     * @param generation a view's metadata.generation by name (null when unknown)
     */
    public static FeatureSchema of(
            List<FeatureImportance> ranked, TrainTask task, Function<String, Long> generation) {
        if (ranked == null || ranked.isEmpty()) {
            return null;
        }
        double total =
                ranked.stream()
                        .mapToDouble(f -> f.importance == null ? 0 : Math.abs(f.importance))
                        .sum();
        FeatureSchema schema = new FeatureSchema();
        for (FeatureImportance f : ranked) {
            double mass = f.importance == null ? 0 : Math.abs(f.importance);
            schema.features.add(
                    new FeatureSchema.Feature(
                            f.name, total > 0 ? Math.round(mass / total * 1e6) / 1e6 : 0.0));
        }
        if (task != null) {
            for (FeatureInput in : task.features()) {
                schema.views.add(
                        new FeatureSchema.View(
                                in.featureView(), generation.apply(in.featureView()), in.asOf()));
            }
        }
        return schema;
    }
}
