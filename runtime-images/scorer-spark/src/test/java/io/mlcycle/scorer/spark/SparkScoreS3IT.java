package io.mlcycle.scorer.spark;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.Storage;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.model.BatchScores;
import io.mlcycle.spark.SparkRuntime;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.trainer.PlantedData;
import io.mlcycle.trainer.Trainer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Spark scorer reading its model and table from S3 and publishing its scores there. */
@RealServersTier
class SparkScoreS3IT {

    @TempDir static Path root;
    static LocalS3 s3;
    static SparkSession spark;
    static String digest;

    @BeforeAll
    static void start() throws Exception {
        PlantedData data = PlantedData.write(root, 600, 300, 9);
        Path model = root.resolve("models/xgb");
        Summary trained = Trainer.run(ScoringFixtures.training(data, "xgboost", model));
        digest = (String) trained.details().get("artifactDigest");
        s3 =
                LocalS3.startStorage(
                        root.resolve("s3"), "scorer-access", "scorer-secret-5c1d", "scoring");
        ObjectDirs.publish(
                model, Storage.locate("s3://scoring/models/m/v1", "t"), VersionedStore.SUCCESS);
        ObjectDirs.publish(
                data.featureDir,
                Storage.locate("s3://scoring/tables/events/asOf=2026-11-20", "t"),
                VersionedStore.SUCCESS);
        spark = Main.session(SparkRuntime.local("2"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (spark != null) {
            spark.stop();
        }
        LocalS3.closeStorage(s3);
    }

    static ScoreTask task(String out) {
        return new ScoreTask(
                null,
                "m",
                1,
                "s3://scoring/models/m/v1/",
                "2026-11-21",
                "user_id",
                List.of(
                        new FeatureInput(
                                "events",
                                "2026-11-20",
                                "s3://scoring/tables/events/asOf=2026-11-20/")),
                "s3://scoring/scores/" + out + "/asOf=2026-11-21/",
                digest,
                null);
    }

    @Test
    void scoresFromAnS3ModelAndTableArePublishedToS3AsTheSinglePodDoes() throws Exception {
        Summary one = BatchScores.runInOnePod(task("pod"));
        Summary s = Main.handle(task("spark"), spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).isEqualTo("s3://scoring/scores/spark/asOf=2026-11-21/");
        assertThat(root.resolve("s3/scoring/scores/spark/asOf=2026-11-21/_SUCCESS")).exists();
        assertThat(s.figures().get("rows")).isEqualTo(600.0).isEqualTo(one.figures().get("rows"));
        Path pod = Uris.toPath(one.uri() + "scores.parquet", "scores");
        Path onSpark = Uris.toPath(s.uri() + "scores.parquet", "scores");
        assertThat(ScoringFixtures.rows(onSpark))
                .hasSize(600)
                .containsExactlyElementsOf(ScoringFixtures.rows(pod));
    }
}
