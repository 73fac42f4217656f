package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mlcycle.trainer.PlantedData.hp;
import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class TrainerTest {

    @TempDir static Path root;
    static PlantedData data;

    @BeforeAll
    static void plant() throws Exception {
        data = PlantedData.write(root, 3000, 300, 11);
    }

    static TrainTask task(
            String algorithm,
            TrainTask.Hyperparameters hp,
            TrainTask.Validation validation,
            TrainTask.Select select,
            Path out) {
        return TrainTask.builder()
                .model("return-predictor")
                .version(1)
                .entity("user_id")
                .features(List.of(data.input()))
                .labels(new TrainTask.Labels(data.labels.toString(), "csv", "user_id", "returned"))
                .algorithm(algorithm)
                .hyperparameters(hp)
                .preprocessing(new TrainTask.Preprocessing("minmax", 0.95))
                .validation(validation)
                .explain(new TrainTask.Explain("shap", 300, 100, 10))
                .select(select)
                .selectionMetric("auc")
                .outputUri(out.toUri().toString())
                .earlyStopping(null)
                .build();
    }

    /** {@code base} as another version with other preprocessing, explanation and stopping. */
    static TrainTask variant(
            TrainTask base,
            int version,
            TrainTask.Preprocessing pre,
            TrainTask.Explain explain,
            Double threshold,
            String metric,
            TrainTask.EarlyStopping stop) {
        return TrainTask.builder()
                .owner(base.owner())
                .model(base.model())
                .version(version)
                .entity(base.entity())
                .features(base.features())
                .labels(base.labels())
                .algorithm(base.algorithm())
                .hyperparameters(base.hyperparameters())
                .preprocessing(pre)
                .validation(base.validation())
                .explain(explain)
                .select(base.select())
                .threshold(threshold)
                .selectionMetric(metric)
                .outputUri(base.outputUri())
                .earlyStopping(stop)
                .build();
    }

    /** The resnet of the first test: six epochs, a seeded 20% hold-out. */
    static TrainTask resnetHoldout(Path out) {
        return task(
                "resnet",
                hp(List.of(0.003), 6),
                new TrainTask.Validation("holdout", 0.2, 5, 42L),
                null,
                out);
    }

    static JsonNode json(Path dir, String file) throws IOException {
        return TaskJson.MAPPER.readTree(dir.resolve(file).toFile());
    }

    static List<String> topNames(Summary s, int n) {
        @SuppressWarnings("unchecked")
        List<java.util.Map<String, Object>> top =
                (List<java.util.Map<String, Object>>) s.details().get("topFeatures");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add((String) top.get(i).get("name"));
        }
        return names;
    }

    @Test
    void resnetLearnsPlantedFeaturesReproduciblyAndLoadsInAFreshJvm() throws Exception {
        Path out = root.resolve("models/return-predictor/v1");
        Summary s = Trainer.run(resnetHoldout(out));
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures().get("auc")).isGreaterThanOrEqualTo(0.8);
        assertThat(topNames(s, 5))
                .containsExactlyInAnyOrderElementsOf(PlantedData.plantedNames("events"));
        assertThat(TaskJson.writeSummary(s).getBytes(StandardCharsets.UTF_8).length)
                .isLessThan(Summary.MAX_BYTES);
        assertThat(s.figures())
                .containsKeys(
                        "auc",
                        "precision",
                        "recall",
                        "f1",
                        "logLoss",
                        "accuracy",
                        "threshold",
                        "trials",
                        "seconds",
                        "rows",
                        "features");
        for (String f :
                List.of(
                        "model.json",
                        "model.params",
                        "metrics.json",
                        "importance.json",
                        "trials.json",
                        "statistics.json")) {
            assertThat(out.resolve(f)).exists();
        }
        // the training table's per-feature statistics, in the model's feature order
        FeatureStatistics statistics = FeatureStatistics.read(out).orElseThrow();
        ModelArtifact model = ModelArtifact.load(out);
        assertThat(statistics.features())
                .extracting(FeatureStatistics.Feature::name)
                .containsExactlyElementsOf(model.featureNames());
        assertThat(statistics.rows()).isEqualTo(((Number) s.figures().get("rows")).longValue());
        assertThat(statistics.features())
                .allSatisfy(
                        f -> {
                            assertThat(f.presence()).isBetween(0.0, 1.0);
                            assertThat(f.fractions()).hasSize(f.edges().length + 1);
                        });
        assertThat(out.getParent()).isDirectoryNotContaining("glob:**/.staging-*");

        // same seed, same metrics
        Path out2 = root.resolve("models/return-predictor/v2");
        Summary again = Trainer.run(resnetHoldout(out2));
        assertThat(json(out2, "metrics.json").get("metrics"))
                .isEqualTo(json(out, "metrics.json").get("metrics"));
        assertThat(again.figures().get("auc")).isEqualTo(s.figures().get("auc"));

        // a fresh JVM loading the artifact predicts bit for bit what this one does
        List<String> here = PredictMain.predictBits(out, data.featureDir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-Dai.djl.offline=true",
                                "-cp",
                                System.getProperty("java.class.path"),
                                PredictMain.class.getName(),
                                out.toString(),
                                data.featureDir.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        List<String> there;
        try (var r = p.inputReader()) {
            there = r.lines().toList();
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(there).hasSize(3000).isEqualTo(here);
        try (ModelArtifact m = ModelArtifact.load(out)) {
            assertThat(m.spec().algorithm()).isEqualTo("resnet");
            assertThat(m.threshold()).isEqualTo(s.figures().get("threshold"));
            assertThat(m.spec().lineage()).hasSize(1);
        }
    }

    @Test
    void logisticWithKFoldGridAndSelectionReportsEveryTrialAndBothModels() throws Exception {
        Path out = root.resolve("models/return-predictor/v3");
        Summary s =
                Trainer.run(
                        task(
                                "logistic",
                                // λ chosen on carved rows, and a fixed λ: two trials
                                new TrainTask.Hyperparameters(
                                        List.of(0.01),
                                        List.of("adam"),
                                        List.of(4),
                                        List.of(128),
                                        List.of(32),
                                        List.of(2),
                                        List.of(0.1),
                                        List.of(0.0, 0.001),
                                        null),
                                new TrainTask.Validation("kfold", 0.2, 3, 5L),
                                new TrainTask.Select(5),
                                out));
        assertThat(s.figures().get("trials")).isEqualTo(2.0);
        assertThat(s.figures().get("auc")).isGreaterThanOrEqualTo(0.8);
        assertThat(topNames(s, 5))
                .containsExactlyInAnyOrderElementsOf(PlantedData.plantedNames("events"));
        JsonNode trials = json(out, "trials.json");
        assertThat(trials).hasSize(2);
        JsonNode metrics = json(out, "metrics.json");
        assertThat(metrics.get("validation").get("method").asText()).isEqualTo("kfold");
        JsonNode selected = metrics.get("selected");
        assertThat(selected.get("topK").asInt()).isEqualTo(5);
        assertThat(selected.get("metrics").get("auc").asDouble()).isGreaterThanOrEqualTo(0.8);
        assertThat(s.details()).containsKey("selected");
        JsonNode importance = json(out, "importance.json");
        assertThat(importance.size()).isEqualTo(metrics.get("features").asInt());
        assertThat(new File(out.toFile(), "model.json")).exists();
    }

    @Test
    void mlpWithoutExplanationTrainsAndReportsNoImportance() throws Exception {
        Path out = root.resolve("models/return-predictor/v4");
        TrainTask base =
                task(
                        "mlp",
                        hp(List.of(0.003), 3),
                        new TrainTask.Validation("holdout", 0.25, 5, 9L),
                        null,
                        out);
        TrainTask t =
                variant(
                        base,
                        4,
                        new TrainTask.Preprocessing("none", null),
                        new TrainTask.Explain("none", 0, 0, 0),
                        0.5,
                        "logLoss",
                        null);
        Summary s = Trainer.run(t);
        assertThat(s.figures().get("auc")).isGreaterThanOrEqualTo(0.75);
        assertThat(s.figures().get("threshold")).isEqualTo(0.5);
        assertThat((List<?>) s.details().get("topFeatures")).isEmpty();
        try (ModelArtifact m = ModelArtifact.load(out)) {
            assertThat(m.spec().algorithm()).isEqualTo("mlp");
            assertThat(m.spec().scaling().method()).isEqualTo("none");
        }
    }

    @Test
    void logScalingWithEarlyStoppingServesExactlyWhatTrainingValidated() throws Exception {
        Path out = root.resolve("models/return-predictor/v5");
        TrainTask base =
                task(
                        "resnet",
                        new TrainTask.Hyperparameters(
                                List.of(0.01),
                                List.of("adam"),
                                List.of(8),
                                List.of(128),
                                List.of(32),
                                List.of(1),
                                List.of(0.1),
                                null,
                                List.of("cosine")),
                        new TrainTask.Validation("holdout", 0.2, 5, 42L),
                        null,
                        out);
        TrainTask t =
                variant(
                        base,
                        5,
                        new TrainTask.Preprocessing("log", null),
                        new TrainTask.Explain("none", 0, 0, 0),
                        null,
                        "auc",
                        new TrainTask.EarlyStopping(0.15, 2));
        Summary s = Trainer.run(t);
        assertThat(s.figures().get("auc")).isGreaterThanOrEqualTo(0.8);

        JsonNode metrics = json(out, "metrics.json");
        assertThat(metrics.get("scaling").asText()).isEqualTo("log");
        assertThat(metrics.get("earlyStopping").get("patience").asInt()).isEqualTo(2);
        JsonNode fit = json(out, "trials.json").get(0);
        assertThat(fit.get("hyperparameters").get("learningRateSchedule").asText())
                .isEqualTo("cosine");
        JsonNode only = fit.get("fits").get(0);
        assertThat(only.get("history")).hasSize(only.get("epochs").asInt());
        assertThat(only.get("bestEpoch").asInt()).isBetween(1, only.get("epochs").asInt());

        // the served model, loaded from disk, scores the validation rows exactly as training did
        TrainingData d = TrainingData.load(t);
        Splits.Split split = Splits.holdout(d.y(), 0.2, 42);
        try (ModelArtifact m = ModelArtifact.load(out)) {
            assertThat(m.spec().scaling().method()).isEqualTo("log");
            float[] all =
                    m.predict(
                            io.mlcycle.model.FeatureAssembler.project(
                                    d.assembled(), m.featureNames()));
            float[] valid = new float[split.test().length];
            for (int i = 0; i < valid.length; i++) {
                valid[i] = all[split.test()[i]];
            }
            assertThat(Metrics.auc(valid, Validator.labelsOf(d.y(), split.test())))
                    .isEqualTo(metrics.get("metrics").get("auc").asDouble());
        }
    }
}
