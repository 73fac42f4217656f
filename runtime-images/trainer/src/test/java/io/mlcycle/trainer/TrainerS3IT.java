package io.mlcycle.trainer;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.LocalS3;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.S3Settings;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Training on feature tables and labels in S3, publishing the model version to S3 once. */
@RealServersTier
class TrainerS3IT {

    @TempDir static Path root;
    static LocalS3 s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(root.resolve("s3"), "trainer-access", "trainer-secret-51c0");
        s3.createBucket("mlcycle");
        Storage.useS3(s3.settings("ml-creds"));
        PlantedData data = PlantedData.write(root.resolve("upload"), 1000, 300, 5);
        ObjectDirs.publish(
                data.featureDir,
                Storage.locate("s3://mlcycle/tables/events/asOf=2026-11-20", "t"),
                VersionedStore.SUCCESS);
        Storage.locate("s3://mlcycle/labels/returned.csv", "t")
                .store()
                .put(data.labels, "labels/returned.csv");
    }

    @AfterAll
    static void stop() throws Exception {
        Storage.useS3(null);
        s3.close();
    }

    private static TrainTask task(String labelsUri, String out) {
        return PlantedData.logistic(
                new FeatureInput(
                        "events", "2026-11-20", "s3://mlcycle/tables/events/asOf=2026-11-20/"),
                labelsUri,
                out,
                1,
                0.05);
    }

    @Test
    void trainsFromS3AndPublishesTheModelThereOnceWithItsDigest() throws Exception {
        String out = "s3://mlcycle/models/return-predictor/v1/";
        Summary s = Trainer.run(task("s3://mlcycle/labels/returned.csv", out));

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).isEqualTo(out);
        assertThat(s.figures().get("auc")).isGreaterThan(0.7);
        assertThat(root.resolve("s3/mlcycle/models/return-predictor/v1/_SUCCESS")).exists();
        Storage.useS3(s3.settings("ml-creds")); // a fresh process downloads what was uploaded
        Path staged = Uris.toPath(out, "artifactUri");
        assertThat(ArtifactDigest.of(staged)).isEqualTo(s.details().get("artifactDigest"));

        assertThatThrownBy(() -> Trainer.run(task("s3://mlcycle/labels/returned.csv", out)))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> assertThat(f.reason()).isEqualTo("VersionAlreadyPublished"))
                .hasMessageContaining(out);
    }

    /**
     * Two trainer pods (JVMs with their own staging disks) of one S3 version at once: the marker is
     * written with If-None-Match, so on S3 exactly one succeeds. S3Proxy ignores that header; the
     * fallback (marker checked right before the PUT, read back a second after it) lets one succeed
     * too, whose model is the one stored, whole; the refused one leaves nothing.
     */
    @Test
    void twoTrainerPodsOfOneS3VersionLetExactlyOneSucceedAndStoreItsWholeModel() throws Exception {
        String out = "s3://mlcycle/models/return-predictor/v3/";
        S3Settings s = s3.settings(null);
        TrainerProcesses.Outcomes o =
                TrainerProcesses.race(
                        root,
                        "s3-v3",
                        task("s3://mlcycle/labels/returned.csv", out),
                        2,
                        Map.of(
                                S3Settings.ENDPOINT_ENV, s.endpoint().toString(),
                                S3Settings.PATH_STYLE_ENV, "true",
                                S3Settings.ACCESS_KEY_ENV, s.accessKeyId(),
                                S3Settings.SECRET_KEY_ENV, s.secretAccessKey()));

        assertThat(o.succeeded()).hasSize(1);
        assertThat(o.refused()).containsExactly("VersionAlreadyPublished");
        Storage.useS3(s3.settings("ml-creds")); // a fresh process downloads what was uploaded
        String stored = ArtifactDigest.of(Uris.toPath(out, "artifactUri"));
        assertThat(o.succeeded().get(0).details().get("artifactDigest")).isEqualTo(stored);
        try (var names = Files.list(root.resolve("s3/mlcycle/models/return-predictor/v3"))) {
            // the marker and the winner's generation; a refused trainer deleted its own
            assertThat(names.map(p -> p.getFileName().toString())).hasSize(2);
        }
    }

    @Test
    void labelsInAMissingBucketFailNamingItAndPublishNothing() {
        String out = "s3://mlcycle/models/return-predictor/v2/";
        assertThatThrownBy(() -> Trainer.run(task("s3://no-such-bucket/labels.csv", out)))
                .isInstanceOfSatisfying(
                        TaskFailure.class, f -> assertThat(f.reason()).isEqualTo("BucketNotFound"))
                .hasMessageContaining("s3://no-such-bucket/labels.csv");
        assertThat(root.resolve("s3/mlcycle/models/return-predictor/v2")).doesNotExist();
    }
}
