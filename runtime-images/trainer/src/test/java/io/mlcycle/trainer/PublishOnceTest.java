package io.mlcycle.trainer;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A published model version is written once: a second trainer of it fails, never overwrites. */
class PublishOnceTest {

    @TempDir static Path root;
    static PlantedData data;

    @BeforeAll
    static void plant() throws Exception {
        data = PlantedData.write(root, 1000, 300, 5);
    }

    private static TrainTask logistic(Path out, double lr) {
        return logistic(data.input(), data.labels.toString(), out.toUri().toString(), lr);
    }

    /** A small logistic training of "returned" by user_id on one table. */
    static TrainTask logistic(FeatureInput features, String labelsUri, String outUri, double lr) {
        return new TrainTask(
                null,
                "return-predictor",
                1,
                "user_id",
                List.of(features),
                new TrainTask.Labels(labelsUri, "csv", "user_id", "returned"),
                "logistic",
                TrainerTest.hp(List.of(lr), 2),
                new TrainTask.Preprocessing("minmax", 0.95),
                new TrainTask.Validation("holdout", 0.25, 0, 3),
                new TrainTask.Explain("shap", 100, 50, 5),
                null,
                null,
                "auc",
                outUri);
    }

    @Test
    void summaryCarriesTheDigestOfThePublishedFilesAndARerunIsRefused() throws Exception {
        Path out = root.resolve("models/return-predictor/v1");
        Summary first = Trainer.run(logistic(out, 0.05));
        String digest = (String) first.details().get("artifactDigest");
        assertThat(digest).isEqualTo(ArtifactDigest.of(out));

        assertThatThrownBy(() -> Trainer.run(logistic(out, 0.01)))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(out.toUri().toString())
                .hasMessageContaining("never replaced")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("VersionAlreadyPublished");
        assertThat(ArtifactDigest.of(out)).isEqualTo(digest);
    }

    @Test
    void twoTrainerProcessesOfOneVersionAtOnceLeaveExactlyOneCompleteArtifact() throws Exception {
        Path out = root.resolve("models/return-predictor/v2");
        Path taskFile = root.resolve("task-v2.json");
        Files.writeString(taskFile, TaskJson.write(logistic(out, 0.05)));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> pods = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            pods.add(
                    new ProcessBuilder(
                                    java,
                                    "-Dai.djl.offline=true",
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    Main.class.getName(),
                                    "--task",
                                    taskFile.toString(),
                                    "--result",
                                    root.resolve("result-" + i + ".json").toString())
                            .redirectErrorStream(true)
                            .redirectOutput(root.resolve("pod-" + i + ".log").toFile())
                            .start());
        }
        List<Summary> succeeded = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertThat(pods.get(i).waitFor(180, TimeUnit.SECONDS)).isTrue();
            Summary s =
                    TaskJson.readSummary(Files.readString(root.resolve("result-" + i + ".json")));
            if (pods.get(i).exitValue() == 0) {
                succeeded.add(s);
            } else {
                assertThat(pods.get(i).exitValue()).isEqualTo(1);
                refused.add(s.reason());
            }
        }
        assertThat(succeeded).hasSize(1);
        assertThat(refused).containsExactly("VersionAlreadyPublished");
        assertThat(ArtifactDigest.of(out))
                .isEqualTo(succeeded.get(0).details().get("artifactDigest"));
        assertThat(out.resolve(VersionedStore.SUCCESS)).exists();
        try (var siblings = Files.list(out.getParent())) {
            // no staging directory of the refused trainer is left behind
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("."));
        }
    }
}
