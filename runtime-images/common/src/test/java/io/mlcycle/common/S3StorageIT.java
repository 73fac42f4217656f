package io.mlcycle.common;

import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The S3 side of the storage layer against a real S3 server (S3Proxy) on loopback. */
@RealServersTier
class S3StorageIT {

    static final String SECRET_VALUE = "local-secret-key-7f3a";

    @TempDir static Path dir;
    static LocalS3 s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(dir.resolve("s3"), "local-access", SECRET_VALUE);
        s3.createBucket("data");
    }

    @AfterAll
    static void stop() throws Exception {
        Storage.useS3(null);
        s3.close();
    }

    private static void good() {
        Storage.useS3(s3.settings("s3-creds"));
    }

    @Test
    void versionedStoreOnS3PublishesListsPrunesAndReadsBack() throws Exception {
        good();
        VersionedStore store = VersionedStore.open("s3://data/tables/fv", "store.uri");
        for (String d : new String[] {"2026-11-01", "2026-11-02", "2026-11-03"}) {
            Path s = store.stage(d);
            Files.writeString(s.resolve("features.json"), "{\"d\":\"" + d + "\"}");
            Files.writeString(s.resolve("part-0.parquet"), d);
            store.publish(s, d);
        }
        // a version whose upload never finished: objects but no marker
        Files.createDirectories(dir.resolve("s3/data/tables/fv/asOf=2026-11-04"));
        Files.writeString(dir.resolve("s3/data/tables/fv/asOf=2026-11-04/part-0.parquet"), "half");

        assertThat(store.completeVersions())
                .containsExactly("2026-11-03", "2026-11-02", "2026-11-01");
        assertThat(store.versionUri("2026-11-02"))
                .isEqualTo("s3://data/tables/fv/asOf=2026-11-02/");
        assertThat(store.prune(2)).containsExactly("2026-11-01");
        assertThat(dir.resolve("s3/data/tables/fv/asOf=2026-11-01/part-0.parquet")).doesNotExist();
        assertThat(store.completeVersions()).containsExactly("2026-11-03", "2026-11-02");

        // a fresh process (new mirror) reads an earlier version's file from the bucket
        Storage.useS3(s3.settings("s3-creds"));
        Path features =
                VersionedStore.open("s3://data/tables/fv", "store.uri")
                        .fetch("2026-11-02", "features.json");
        assertThat(Files.readString(features)).isEqualTo("{\"d\":\"2026-11-02\"}");

        Path staged = Uris.toPath("s3://data/tables/fv/asOf=2026-11-03/", "features[0].uri");
        assertThat(Files.readString(staged.resolve("part-0.parquet"))).isEqualTo("2026-11-03");
        assertThat(staged.resolve(VersionedStore.SUCCESS)).exists();
    }

    @Test
    void aPrefixWithNestedDirectoriesIsDeletedWithoutWaitingOnTheServer() throws Exception {
        good();
        Path onDisk = dir.resolve("s3/data/work/nested");
        for (String f : List.of("a/b/part-0.parquet", "a/b/c/part-1.parquet", "a/_SUCCESS")) {
            Files.createDirectories(onDisk.resolve(f).getParent());
            Files.writeString(onDisk.resolve(f), f);
        }
        ObjectDirs.Location work = Storage.locate("s3://data/work/nested", "t");
        // S3Proxy's file backend lists each directory as a "dir/" key beside the files
        assertThat(work.store().list(work.prefix()))
                .extracting(ObjectStore.Entry::key)
                .contains("work/nested/a/", "work/nested/a/b/", "work/nested/a/b/c/part-1.parquet");

        long start = System.nanoTime();
        ObjectDirs.deletePrefix(work);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(work.store().list(work.prefix())).isEmpty();
        assertThat(onDisk.resolve("a")).doesNotExist();
        // a directory key deleted before its files is held 10 s by the server, then refused
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void wrongKeysFailNamingTheUriAndTheSecretButNeverItsValue() {
        Storage.useS3(
                new S3Settings(
                        s3.endpoint(), "us-east-1", true, "local-access", "wrong", "s3-creds"));
        try {
            assertThatThrownBy(() -> Uris.toPath("s3://data/labels/", "labels.uri"))
                    .isInstanceOfSatisfying(
                            TaskFailure.class,
                            f -> assertThat(f.reason()).isEqualTo("StorageAccessDenied"))
                    .hasMessageContaining("s3://data/labels")
                    .hasMessageContaining("Secret 's3-creds'")
                    .hasMessageNotContaining("wrong")
                    .hasMessageNotContaining(SECRET_VALUE);
        } finally {
            good();
        }
    }

    @Test
    void aCredentialsSecretMissingFromTheNamespaceIsNamedWhenS3IsFirstUsed() {
        // the operator's secretKeyRefs are optional: the pod started, its keys are absent
        Storage.useS3(new S3Settings(s3.endpoint(), "us-east-1", true, null, null, "lake-keys"));
        try {
            assertThatThrownBy(() -> Uris.toPath("s3://data/labels/", "labels.uri"))
                    .isInstanceOfSatisfying(
                            TaskFailure.class,
                            f -> assertThat(f.reason()).isEqualTo("StorageCredentialsMissing"))
                    .hasMessageContaining("Secret 'lake-keys'");
        } finally {
            good();
        }
    }

    @Test
    void aMissingBucketFailsNamingTheBucketAndUri() {
        good();
        assertThatThrownBy(() -> VersionedStore.open("s3://nobucket/t", "store.uri").latest())
                .isInstanceOfSatisfying(
                        TaskFailure.class, f -> assertThat(f.reason()).isEqualTo("BucketNotFound"))
                .hasMessageContaining("bucket 'nobucket'")
                .hasMessageContaining("s3://nobucket/t");
    }

    @Test
    void anUnreachableEndpointIsARetriableFailureNamingTheEndpoint() {
        Storage.useS3(
                new S3Settings(
                        java.net.URI.create("http://127.0.0.1:1"),
                        "us-east-1",
                        true,
                        "a",
                        "b",
                        null));
        try {
            assertThatThrownBy(() -> Storage.exists("s3://data/x", "source.uri"))
                    .isInstanceOfSatisfying(
                            TaskFailure.class,
                            f -> assertThat(f.reason()).isEqualTo("StorageUnreachable"))
                    .hasMessageContaining("http://127.0.0.1:1");
        } finally {
            good();
        }
    }
}
