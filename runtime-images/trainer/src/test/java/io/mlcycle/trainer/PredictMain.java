package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.FeatureInput;

import java.nio.file.Path;
import java.util.List;

/** Run in a fresh JVM by the tests: loads a model and prints the bits of its predictions. */
public final class PredictMain {

    private PredictMain() {}

    public static void main(String[] args) throws Exception {
        System.out.println(String.join("\n", predictBits(Path.of(args[0]), Path.of(args[1]))));
    }

    static List<String> predictBits(Path modelDir, Path featureDir) throws Exception {
        try (ModelArtifact model = ModelArtifact.load(modelDir)) {
            SparseMatrix rows =
                    FeatureAssembler.forModel(
                            List.of(new FeatureInput("events", "x", featureDir.toString())),
                            model.featureNames());
            float[] p = model.predict(rows);
            return java.util.stream.IntStream.range(0, p.length)
                    .mapToObj(i -> Integer.toHexString(Float.floatToIntBits(p[i])))
                    .toList();
        }
    }
}
