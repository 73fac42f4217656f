package io.mlcycle.pivot;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.S3Settings;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.mlcycle.pivot.Fixtures.EVENTS;
import static io.mlcycle.pivot.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pivot reading its source and exclusion list from S3 and publishing its table there. */
@RealServersTier
class PivotS3IT {

    @TempDir static Path tmp;
    static LocalS3 s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.startStorage(tmp.resolve("s3"), "pivot-access", "pivot-secret-9d1e", "lake");
        Path day = tmp.resolve("upload/dt=2026-11-20");
        write(day.resolve("part-0.parquet"), EVENTS);
        ObjectDirs.publish(day, Storage.locate("s3://lake/raw/dt=2026-11-20", "t"), "_SUCCESS");
        Path late = tmp.resolve("upload/dt=2026-11-21");
        write(late.resolve("part-0.parquet"), EVENTS);
        // uploaded, but its producer never wrote the marker
        Storage.locate("s3://lake/raw/dt=2026-11-21/part-0.parquet", "t")
                .store()
                .put(late.resolve("part-0.parquet"), "raw/dt=2026-11-21/part-0.parquet");
        Path list = write(tmp.resolve("upload/test-users.csv"), "SELECT 'u3' AS user_id");
        Storage.locate("s3://lake/lists/test-users.csv", "t")
                .store()
                .put(list, "lists/test-users.csv");
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    static Fixtures.TaskBuilder task() {
        var b = new Fixtures.TaskBuilder("s3://lake/raw/dt={date}/", tmp);
        b.store = "s3://lake/tables/events";
        b.marker = "_SUCCESS";
        return b;
    }

    @Test
    void pivotsAnS3SourceIntoAnS3StoreWithTheSameValuesAsFromFiles() throws Exception {
        var b = task();
        b.exclude =
                List.of(
                        new PivotTask.EntityList(
                                "s3://lake/lists/test-users.csv", "user_id", null));
        Summary s = new PivotRunner(name -> null).run(b.build());

        assertThat(s.uri()).isEqualTo("s3://lake/tables/events/asOf=2026-11-21/");
        Storage.useS3(s3.settings("lake-creds")); // a fresh process: nothing staged yet
        var table = Fixtures.read(Uris.toPath(s.uri(), "features[0].uri"));
        assertThat(table).containsOnlyKeys("u1", "u2");
        assertThat(table.get("u1")).containsEntry("a", 7f).containsEntry("b", 1f);
        assertThat(table.get("u2")).containsEntry("a", 4f);
        assertThat(tmp.resolve("s3/lake/tables/events/asOf=2026-11-21/_SUCCESS")).exists();
    }

    @Test
    void aPartitionWithoutMarkerOnS3IsWaitedFor() {
        var b = task();
        b.to = "2026-11-22";
        b.asOf = "2026-11-22";
        TaskFailure f = Fixtures.failure(b.build());
        assertThat(f.outcome()).isEqualTo(Summary.Outcome.WaitingForData);
        assertThat(f.details()).isEqualTo(List.of("2026-11-21"));
        assertThat(f.getMessage()).contains("s3://lake/raw/dt=2026-11-21/");
    }

    @Test
    void aMarkerWithoutDataIsRefusedNamingTheSourceAndPublishesNothing() throws Exception {
        ObjectDirs.mark(Storage.locate("s3://lake/raw/dt=2026-11-25", "t"), "_SUCCESS");
        var b = task();
        b.store = "s3://lake/tables/empty";
        b.from = "2026-11-25";
        b.to = "2026-11-26";
        b.asOf = "2026-11-26";
        TaskFailure f = Fixtures.failure(b.build());
        assertThat(f.reason()).isEqualTo("EmptySource");
        assertThat(f.getMessage()).contains("s3://lake/raw/dt={date}/");
        assertThat(VersionedStore.open("s3://lake/tables/empty", "store.uri").completeVersions())
                .isEmpty();
    }

    @Test
    void wrongKeysFailNamingTheSecretAndKeepTheLastGoodVersionAndKeepNPrunes() throws Exception {
        var b = task();
        b.store = "s3://lake/tables/kept";
        b.keep = 1;
        new PivotRunner(name -> null).run(b.build());

        Storage.useS3(
                new S3Settings(
                        s3.endpoint(), "us-east-1", true, "pivot-access", "wrong", "lake-creds"));
        try {
            b.asOf = "2026-11-23";
            assertThatThrownBy(() -> new PivotRunner(name -> null).run(b.build()))
                    .isInstanceOfSatisfying(
                            TaskFailure.class,
                            f -> assertThat(f.reason()).isEqualTo("StorageAccessDenied"))
                    .hasMessageContaining("s3://lake/")
                    .hasMessageContaining("Secret 'lake-creds'")
                    .hasMessageNotContaining("pivot-secret-9d1e");
        } finally {
            Storage.useS3(s3.settings("lake-creds"));
        }
        VersionedStore kept = VersionedStore.open("s3://lake/tables/kept", "store.uri");
        assertThat(kept.completeVersions()).containsExactly("2026-11-21");

        b.asOf = "2026-11-24";
        new PivotRunner(name -> null).run(b.build());
        assertThat(kept.completeVersions()).containsExactly("2026-11-24");
        assertThat(
                        Storage.locate("s3://lake/tables/kept", "t")
                                .store()
                                .list("tables/kept/asOf=2026-11-21/"))
                .isEmpty();
    }
}
