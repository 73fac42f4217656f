package io.mlcycle.trainer.spark;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.Storage;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.spark.SparkRuntime;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.trainer.PlantedData;
import io.mlcycle.trainer.Trainer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Spark trainer's executors reading the table and labels from S3; the model published there.
 */
@RealServersTier
class SparkTrainerS3IT {

    @TempDir static Path root;
    static LocalS3 s3;
    static SparkSession spark;
    static PlantedData data;

    @BeforeAll
    static void start() throws Exception {
        data = PlantedData.write(root, 800, 300, 5);
        s3 =
                LocalS3.startStorage(
                        root.resolve("s3"), "trainer-access", "trainer-secret-7e2a", "training");
        ObjectDirs.publish(
                data.featureDir,
                Storage.locate("s3://training/tables/events/asOf=2026-11-20", "t"),
                VersionedStore.SUCCESS);
        Path labels = Files.createDirectories(root.resolve("labels-dir"));
        Files.copy(data.labels, labels.resolve("labels.csv"));
        ObjectDirs.publish(
                labels, Storage.locate("s3://training/labels", "t"), VersionedStore.SUCCESS);
        spark = Main.session(SparkRuntime.local("2"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (spark != null) {
            spark.stop();
        }
        LocalS3.closeStorage(s3);
    }

    static TrainTask task(String out) {
        return TrainTask.builder()
                .model("m")
                .version(1)
                .entity("user_id")
                .features(
                        List.of(
                                new FeatureInput(
                                        "events",
                                        "2026-11-20",
                                        "s3://training/tables/events/asOf=2026-11-20/")))
                .labels(
                        new TrainTask.Labels(
                                "s3://training/labels/labels.csv", "csv", "user_id", "returned"))
                .algorithm("xgboost")
                .validation(new TrainTask.Validation("holdout", 0.2, 5, 42L))
                .explain(new TrainTask.Explain("shap", 100, 50, 10))
                .selectionMetric("auc")
                .outputUri("s3://training/models/m/" + out + "/")
                .build();
    }

    @Test
    void executorsReadAnS3TableAndLabelsAndTheModelIsPublishedToS3AsThePodsIs() throws Exception {
        Summary one = Trainer.run(task("pod"));
        Summary s = Main.handle(task("spark"), spark);

        assertThat(s.outcome()).as(s.message()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).isEqualTo("s3://training/models/m/spark/");
        assertThat(root.resolve("s3/training/models/m/spark/_SUCCESS")).exists();
        // the version's files live under the generation its marker names
        try (var files = Files.walk(root.resolve("s3/training/models/m/spark"))) {
            assertThat(files.map(f -> f.getFileName().toString())).contains("model.xgb.json");
        }
        assertThat(s.figures().get("rows")).isEqualTo(800.0).isEqualTo(one.figures().get("rows"));
        assertThat(s.figures().get("auc")).isCloseTo(one.figures().get("auc"), within(0.002));
    }
}
