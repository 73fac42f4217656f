package io.mlcycle.pivot;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.mlcycle.pivot.Fixtures.failure;
import static io.mlcycle.pivot.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pivot committing its versions to an Iceberg table in an {@code s3://} warehouse: Iceberg's
 * JDBC catalog on a real PostgreSQL, the files on a real S3 server (S3Proxy).
 */
@RealServersTier
class PivotIcebergS3IT {

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    @TempDir static Path tmp;
    static LocalS3 s3;
    static String rawUri;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.startStorage(tmp.resolve("s3"), "pivot-access", "pivot-secret-41c7", "lake");
        rawUri = Fixtures.twoDaysOfEvents(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    /** The catalog's URL carries the credentials: the pivot reads no environment here. */
    private static TableCatalog jdbc(String table) {
        String url = postgres.server().urlWithCredentials();
        return new TableCatalog(
                TableCatalog.JDBC, "lake", url, null, "features", table, null, null, null);
    }

    private static Fixtures.TaskBuilder pivot(String table) {
        var b = new Fixtures.TaskBuilder(rawUri, tmp);
        b.store = "s3://lake/features/" + table;
        b.storeFormat = TableCatalog.FORMAT_ICEBERG;
        b.catalog = jdbc(table);
        return b;
    }

    private static LakeTable table(String name) {
        return LakeTable.open(LakeCatalog.of(jdbc(name), "s3://lake/features/" + name, n -> null));
    }

    @Test
    void aVersionIsCommittedToTheS3WarehouseWithTheRowsOfTheParquetLayout() throws IOException {
        Path parquetStore = tmp.resolve("parquet-store");
        new PivotRunner(name -> null).run(new Fixtures.TaskBuilder(rawUri, parquetStore).build());

        Summary s = new PivotRunner(name -> null).run(pivot("events").build());

        Storage.useS3(s3.settings("lake-creds")); // a fresh reader: nothing staged yet
        ScanPlan plan = table("events").plan("2026-11-21");
        assertThat(s.uri())
                .startsWith("s3://lake/features/events/features/events/data/asOf=2026-11-21/");
        assertThat(s.details()).containsEntry(PivotSummary.SNAPSHOT_ID, plan.snapshotId());
        assertThat(plan.dataFiles()).isNotEmpty().allMatch(f -> f.startsWith(s.uri()));
        assertThat(plan.featuresUri()).isEqualTo(s.uri() + "features.json");
        assertThat(Fixtures.byName(plan.read(), plan.featureCatalog()))
                .isEqualTo(Fixtures.read(new VersionedStore(parquetStore).versionDir("2026-11-21")))
                .containsEntry("u1", Map.of("a", 7f, "b", 1f));
    }

    @Test
    void aRunThatFailsValidationCommitsNothingToS3AndTheLastGoodSnapshotStays() throws IOException {
        new PivotRunner(name -> null).run(pivot("guarded").build());
        long last = table("guarded").planCurrent().snapshotId();
        Map<Path, String> objects = snapshot(tmp.resolve("s3/lake/features/guarded"));
        var bad = pivot("guarded");
        bad.nextDay();
        bad.validation = new PivotTask.Validation(10, null, null, List.of());

        TaskFailure f = failure(bad.build());

        assertThat(f.outcome()).isEqualTo(Summary.Outcome.ValidationFailed);
        assertThat(table("guarded").planCurrent().snapshotId()).isEqualTo(last);
        assertThat(table("guarded").asOfTags()).containsExactly("2026-11-21");
        assertThat(snapshot(tmp.resolve("s3/lake/features/guarded")))
                .as("no object was written or removed")
                .isEqualTo(objects);
    }

    @Test
    void keepNOnS3ExpiresTheOlderAsOfAndDeletesItsObjects() throws IOException {
        var first = pivot("kept");
        first.keep = 1;
        Summary s1 = new PivotRunner(name -> null).run(first.build());
        var second = pivot("kept");
        second.keep = 1;
        second.nextDay();

        Summary s2 = new PivotRunner(name -> null).run(second.build());

        assertThat(s2.details()).containsEntry(PivotSummary.PRUNED, List.of("2026-11-21"));
        assertThat(table("kept").asOfTags()).containsExactly("2026-11-22");
        assertThat(snapshot(tmp.resolve("s3/lake").resolve(key(s1.uri())))).isEmpty();
        assertThat(snapshot(tmp.resolve("s3/lake").resolve(key(s2.uri()))))
                .containsKey(Path.of("features.json"));
    }

    /** The key of an {@code s3://lake/…} URI: where S3Proxy keeps the object under its bucket. */
    private static String key(String uri) {
        return uri.substring("s3://lake/".length());
    }
}
