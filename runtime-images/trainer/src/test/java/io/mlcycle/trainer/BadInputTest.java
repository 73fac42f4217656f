package io.mlcycle.trainer;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class BadInputTest {

    @TempDir Path root;

    Path features(int features, float value) throws Exception {
        Path dir = root.resolve("fv/asOf=2026-11-20");
        List<SparseTables.Row> rows = new ArrayList<>();
        for (int r = 0; r < 20; r++) {
            rows.add(
                    features == 0
                            ? new SparseTables.Row("u" + r, new int[0], new float[0])
                            : new SparseTables.Row(
                                    "u" + r,
                                    new int[] {r % features},
                                    new float[] {r == 7 ? value : 1f}));
        }
        SparseTables.write(dir, rows);
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int j = 0; j < features; j++) {
            fs.add(new FeatureCatalog.Feature(j, "ev" + j, 1, 1, 1, 1));
        }
        new FeatureCatalog("user_id", "2026-11-20", fs).write(dir);
        return dir;
    }

    Path labels(String body) throws Exception {
        Path f = root.resolve("labels.csv");
        Files.writeString(f, "user_id,returned\n" + body);
        return f;
    }

    static String labelRows(String prefix, int n, java.util.function.IntFunction<String> label) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < n; r++) {
            sb.append(prefix).append(r).append(',').append(label.apply(r)).append('\n');
        }
        return sb.toString();
    }

    TrainTask task(Path features, Path labels) {
        return TrainTask.builder()
                .model("m")
                .version(1)
                .entity("user_id")
                .features(List.of(new FeatureInput("fv", "2026-11-20", features.toString())))
                .labels(new TrainTask.Labels(labels.toString(), null, "user_id", "returned"))
                .algorithm("logistic")
                .hyperparameters(null)
                .preprocessing(null)
                .validation(null)
                .explain(null)
                .selectionMetric(null)
                .outputUri(root.resolve("models/m/v1").toUri().toString())
                .earlyStopping(null)
                .build();
    }

    void assertInvalid(TrainTask t, String reason, String... mentions) {
        assertThatThrownBy(() -> Trainer.run(t))
                .isInstanceOf(TaskFailure.class)
                .satisfies(
                        e -> {
                            TaskFailure f = (TaskFailure) e;
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            assertThat(f.reason()).isEqualTo(reason);
                            assertThat(f.getMessage()).contains(mentions);
                        });
        assertThat(root.resolve("models/m/v1")).doesNotExist();
    }

    @Test
    void labelThatIsNotZeroOrOneIsNamed() throws Exception {
        assertInvalid(
                task(features(3, 1f), labels(labelRows("u", 20, r -> r == 4 ? "2" : "" + r % 2))),
                "InvalidLabel",
                "'2'",
                "u4");
    }

    @Test
    void singleClassIsRejected() throws Exception {
        assertInvalid(
                task(features(3, 1f), labels(labelRows("u", 20, r -> "1"))),
                "SingleClass",
                "label 1");
    }

    @Test
    void labelsSharingNoEntityWithTheFeaturesAreRejected() throws Exception {
        assertInvalid(
                task(features(3, 1f), labels(labelRows("other", 20, r -> "" + r % 2))),
                "NoEntityOverlap",
                "labels.csv");
    }

    @Test
    void nanFeatureValueIsNamed() throws Exception {
        assertInvalid(
                task(features(3, Float.NaN), labels(labelRows("u", 20, r -> "" + r % 2))),
                "NaNValue",
                "fv/ev1",
                "u7");
    }

    @Test
    void tableWithZeroFeaturesIsRejected() throws Exception {
        assertInvalid(
                task(features(0, 1f), labels(labelRows("u", 20, r -> "" + r % 2))),
                "NoFeatures",
                "zero features");
    }

    /** {@link #task} with other preprocessing, hyper-parameters and early stopping. */
    TrainTask withOptions(
            TrainTask t,
            TrainTask.Preprocessing pre,
            TrainTask.Hyperparameters hp,
            TrainTask.EarlyStopping stop) {
        return TrainTask.builder()
                .owner(t.owner())
                .model(t.model())
                .version(t.version())
                .entity(t.entity())
                .features(t.features())
                .labels(t.labels())
                .algorithm(t.algorithm())
                .hyperparameters(hp)
                .preprocessing(pre)
                .validation(t.validation())
                .explain(t.explain())
                .select(t.select())
                .threshold(t.threshold())
                .selectionMetric(t.selectionMetric())
                .outputUri(t.outputUri())
                .earlyStopping(stop)
                .build();
    }

    @Test
    void unknownScalingMethodIsNamed() throws Exception {
        TrainTask t = task(features(3, 1f), labels(labelRows("u", 20, r -> "" + r % 2)));
        assertInvalid(
                withOptions(t, new TrainTask.Preprocessing("quantile", null), null, null),
                "UnknownScaling",
                "preprocessing.scaling 'quantile'",
                "log");
    }

    @Test
    void earlyStoppingOutsideItsRangeIsNamed() throws Exception {
        TrainTask t = task(features(3, 1f), labels(labelRows("u", 20, r -> "" + r % 2)));
        assertInvalid(
                withOptions(t, null, null, new TrainTask.EarlyStopping(1.0, null)),
                "InvalidEarlyStopping",
                "earlyStopping.validationFraction",
                "1.0");
        assertInvalid(
                withOptions(t, null, null, new TrainTask.EarlyStopping(null, 0)),
                "InvalidEarlyStopping",
                "earlyStopping.patience");
    }

    @Test
    void unknownLearningRateScheduleIsNamed() throws Exception {
        TrainTask t = task(features(3, 1f), labels(labelRows("u", 20, r -> "" + r % 2)));
        TrainTask.Hyperparameters hp =
                new TrainTask.Hyperparameters(
                        null, null, null, null, null, null, null, null, List.of("step"));
        assertInvalid(
                withOptions(t, null, hp, null),
                "InvalidHyperparameter",
                "hyperparameters.learningRateSchedule 'step'",
                "cosine");
    }

    @Test
    void missingLabelColumnIsNamed() throws Exception {
        Path f = root.resolve("labels.csv");
        Files.writeString(f, "user_id,other\nu1,1\n");
        assertInvalid(task(features(3, 1f), f), "MissingColumn", "returned");
    }
}
