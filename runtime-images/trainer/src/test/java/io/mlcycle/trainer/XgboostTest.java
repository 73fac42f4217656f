package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class XgboostTest {

    @TempDir Path root;

    @Test
    void theServedArtifactScoresEveryRowAsXgboost4jDoes() throws Exception {
        PlantedData data = PlantedData.write(root, 1500, 300, 3);
        Path out = root.resolve("models/m/v1");
        TrainTask t =
                TrainTask.builder()
                        .model("m")
                        .version(1)
                        .entity("user_id")
                        .features(List.of(data.input()))
                        .labels(
                                new TrainTask.Labels(
                                        data.labels.toString(), "csv", "user_id", "returned"))
                        .algorithm("xgboost")
                        .hyperparameters(null)
                        .preprocessing(null)
                        .validation(new TrainTask.Validation("holdout", 0.2, 5, 42L))
                        .explain(new TrainTask.Explain("shap", 200, 50, 10))
                        .selectionMetric("auc")
                        .outputUri(out.toUri().toString())
                        .earlyStopping(null)
                        .build();
        Summary s = Trainer.run(t);
        assertThat(s.figures().get("auc")).isGreaterThan(0.75);
        // TreeSHAP ranks the planted features first
        List<String> top =
                ((List<?>) s.details().get("topFeatures"))
                        .subList(0, 5).stream()
                                .map(m -> (String) ((java.util.Map<?, ?>) m).get("name"))
                                .toList();
        assertThat(top).containsExactlyInAnyOrderElementsOf(PlantedData.plantedNames("events"));

        TrainingData rows = TrainingData.load(t);
        SparseMatrix x = rows.x();
        try (ModelArtifact served = ModelArtifact.load(out)) {
            assertThat(served.spec().algorithm()).isEqualTo("xgboost");
            assertThat(served.spec().parameters()).isEqualTo(ModelSpec.TREES);
            // XGBoost4J itself, from the same file
            Booster booster = XGBoost.loadModel(Files.readAllBytes(out.resolve(ModelSpec.TREES)));
            DMatrix d = Boosted.matrix(x, rows.y(), Trainer.identity(x.rows()));
            float[][] expected = booster.predict(d);
            float[] batch = served.predict(x);
            for (int r = 0; r < x.rows(); r++) {
                assertThat(batch[r]).isCloseTo(expected[r][0], within(1e-6f));
                int from = x.rowPtr()[r];
                int to = x.rowPtr()[r + 1];
                float one =
                        served.predictOne(
                                java.util.Arrays.copyOfRange(x.cols(), from, to),
                                java.util.Arrays.copyOfRange(x.values(), from, to));
                assertThat(one).isCloseTo(expected[r][0], within(1e-6f));
            }
            float[] dense = served.predictDense(new float[][] {x.denseRow(0), x.denseRow(1)});
            assertThat(dense[0]).isCloseTo(expected[0][0], within(1e-6f));
            assertThat(dense[1]).isCloseTo(expected[1][0], within(1e-6f));
            d.dispose();
            booster.dispose();
        }
    }

    @Test
    void xgboostOnZeroFeaturesIsInvalidWithAClearMessage() {
        SparseMatrix empty =
                new SparseMatrix(
                        new String[] {"a", "b"}, new int[] {0, 0, 0}, new int[0], new float[0], 0);
        assertThatThrownBy(() -> Boosted.fit(empty, new int[] {0, 1}, new int[] {0, 1}, 1))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            assertThat(f.getMessage())
                                    .isEqualTo(
                                            "xgboost needs at least one feature; the table has none");
                        });
    }
}
