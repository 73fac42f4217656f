package io.mlcycle.server;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The server loading its model artifact and features from S3 and publishing scores there. */
@RealServersTier
class BatchScoreS3IT {

    @TempDir static Path root;
    static LocalS3 s3;

    @BeforeAll
    static void start() throws Exception {
        s3 =
                LocalS3.startStorage(
                        root.resolve("s3"), "server-access", "server-secret-0b7e", "serving");
        ObjectDirs.publish(
                TestModels.artifact(),
                Storage.locate("s3://serving/models/churn/v1", "t"),
                VersionedStore.SUCCESS);
        Path features = root.resolve("upload/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, TestModels.rows(50, 11));
        ObjectDirs.publish(
                features,
                Storage.locate("s3://serving/tables/events/asOf=2026-11-20", "t"),
                VersionedStore.SUCCESS);
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    @Test
    void scoresFromAnS3ModelAndTableArePublishedToS3WithTheMarker() throws Exception {
        ScoreTask task =
                new ScoreTask(
                        new Task.Owner("ModelDeployment", "ml", "churn"),
                        TestModels.MODEL,
                        TestModels.VERSION,
                        "s3://serving/models/churn/v1/",
                        "2026-11-21",
                        "user_id",
                        List.of(
                                new FeatureInput(
                                        TestModels.VIEW,
                                        "2026-11-20",
                                        "s3://serving/tables/events/asOf=2026-11-20/")),
                        "s3://serving/scores/churn/asOf=2026-11-21/",
                        null,
                        null);

        Summary s = BatchScore.run(task);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).isEqualTo("s3://serving/scores/churn/asOf=2026-11-21/");
        assertThat(root.resolve("s3/serving/scores/churn/asOf=2026-11-21/_SUCCESS")).exists();
        Storage.useS3(s3.settings("serving-creds"));
        Path scores = Uris.toPath(s.uri() + "scores.parquet", "scores");
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT count(*), min(rank), max(rank) FROM read_parquet("
                                        + SparseTables.literal(scores.toString())
                                        + ")")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(50);
            assertThat(rs.getLong(2)).isEqualTo(1);
            assertThat(rs.getLong(3)).isEqualTo(50);
        }
        try (ModelArtifact a =
                ModelArtifact.load(Uris.toPath("s3://serving/models/churn/v1/", "artifactUri"))) {
            assertThat(a.featureNames()).isNotEmpty();
        }
    }
}
