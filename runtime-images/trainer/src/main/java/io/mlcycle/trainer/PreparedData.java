package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training rows after preprocessing: correlated features dropped, then the scaling of what is
 * left.
 *
 * @param x the kept columns
 * @param features the kept features, aligned with the columns of {@code x}
 * @param allNames every assembled feature before dropping
 * @param dropped dropped feature → why
 * @param lineage the feature table versions read (an Iceberg one names its snapshot)
 */
record PreparedData(
        SparseMatrix x,
        int[] y,
        List<ModelSpec.Feature> features,
        List<String> allNames,
        Map<String, String> dropped,
        InputScaling.Method scalingMethod,
        InputScaling scaling,
        List<FeatureInput> lineage) {

    static PreparedData of(TrainingData data, TrainTask.Preprocessing pre) {
        FeatureAssembler.Assembled assembled = data.assembled();
        List<String> allNames = assembled.names();
        Map<String, String> dropped = new LinkedHashMap<>();
        int[] keep = Trainer.identity(allNames.size());
        if (pre.dropCorrelatedAbove() != null) {
            Preprocess.Pruned pruned =
                    Preprocess.dropCorrelated(data.x(), allNames, pre.dropCorrelatedAbove());
            keep = pruned.keep();
            dropped.putAll(pruned.dropped());
        }
        SparseMatrix x =
                keep.length == allNames.size()
                        ? data.x()
                        : FeatureAssembler.selectColumns(data.x(), keep);
        InputScaling.Method scalingMethod = scalingMethod(pre);
        List<ModelSpec.Feature> features = new ArrayList<>();
        List<Double> min = new ArrayList<>();
        List<Double> max = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            features.add(assembled.features().get(keep[i]));
            min.add(assembled.min()[keep[i]]);
            max.add(assembled.max()[keep[i]]);
        }
        return new PreparedData(
                x,
                data.y(),
                features,
                allNames,
                dropped,
                scalingMethod,
                InputScaling.of(scalingMethod, min, max),
                assembled.inputs());
    }

    private static InputScaling.Method scalingMethod(TrainTask.Preprocessing pre) {
        try {
            return InputScaling.Method.parse(pre.scaling());
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid(
                    "UnknownScaling",
                    "preprocessing.scaling '" + pre.scaling() + "' is not minmax, log or none");
        }
    }
}
