package io.mlcycle.pivot.spark;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.RealServersTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Spark engine committing to an Iceberg table in an {@code s3://} warehouse: Iceberg's JDBC
 * catalog on a real PostgreSQL, the files on a real S3 server (S3Proxy); the table holds the DuckDB
 * engine's rows at every tag, and a run that fails validation writes no object.
 */
@RealServersTier
class SparkIcebergS3IT {

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    @TempDir static Path tmp;
    static LocalS3 s3;
    static SparkSession spark;
    static String events;

    @BeforeAll
    static void start() throws Exception {
        spark = TestSpark.start();
        s3 = LocalS3.startStorage(tmp.resolve("s3"), "iceberg-access", "iceberg-5ecret", "lake");
        events = IcebergRows.events(tmp.resolve("data"));
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    /** The catalog's URL carries the credentials; the warehouse is the store's URI. */
    private static TableCatalog jdbc(String table) {
        return new TableCatalog(
                TableCatalog.JDBC,
                "lake",
                postgres.server().urlWithCredentials(),
                "s3://lake/features/" + table,
                "features",
                table,
                null,
                null,
                null);
    }

    private static Tasks task(String table, String asOf, String from) {
        Tasks t = IcebergRows.task(events, tmp, jdbc(table), asOf, from);
        t.storeUri = "s3://lake/features/" + table;
        return t;
    }

    private static Summary onSpark(PivotTask task) throws java.io.IOException {
        return TestSpark.spark(spark, task);
    }

    private static LakeTable table(String name) {
        return LakeTable.open(LakeCatalog.of(jdbc(name), null, n -> null));
    }

    @Test
    void theSparkEngineCommitsToTheS3WarehouseTheRowsTheDuckdbEngineCommits() throws Exception {
        for (String[] day :
                new String[][] {{"2026-11-20", "2026-11-19"}, {"2026-11-21", "2026-11-20"}}) {
            Summary duck = TestSpark.duckdb(task("duck", day[0], day[1]).build());
            Summary onSpark = onSpark(task("spark", day[0], day[1]).build());
            assertThat(duck.outcome()).as(duck.message()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(onSpark.outcome())
                    .as(onSpark.message())
                    .isEqualTo(Summary.Outcome.Succeeded);
            assertThat(onSpark.uri())
                    .startsWith(
                            "s3://lake/features/spark/features/spark/data/asOf=" + day[0] + "/");
            assertThat(onSpark.details())
                    .containsEntry(
                            PivotSummary.SNAPSHOT_ID, table("spark").plan(day[0]).snapshotId());
        }

        Storage.useS3(s3.settings("lake-creds")); // a fresh reader: nothing staged yet
        for (String asOf : List.of("2026-11-20", "2026-11-21")) {
            List<String> rows = IcebergRows.mlcycle(table("duck").plan(asOf));
            assertThat(rows).as(asOf).hasSizeGreaterThan(10);
            assertThat(IcebergRows.mlcycle(table("spark").plan(asOf))).as(asOf).isEqualTo(rows);
        }
        assertThat(table("spark").planCurrent().asOf()).isEqualTo("2026-11-21");
        // Spark's work prefix is gone: only the table (data and metadata) remains in the store
        assertThat(Storage.locate("s3://lake/features/spark", "t").store().list("features/spark/"))
                .extracting(o -> o.key())
                .filteredOn(key -> !key.endsWith("/")) // S3Proxy lists its directories too
                .isNotEmpty()
                .allMatch(key -> key.startsWith("features/spark/features/spark/"), "table only");
    }

    @Test
    void aRunThatFailsValidationWritesNoObjectAndTheLastGoodSnapshotStays() throws Exception {
        assertThat(onSpark(task("guarded", "2026-11-21", "2026-11-20").build()).outcome())
                .isEqualTo(Summary.Outcome.Succeeded);
        long last = table("guarded").planCurrent().snapshotId();
        Path bucket = tmp.resolve("s3/lake/features/guarded");
        Map<String, Long> objects = IcebergRows.files(bucket);
        Tasks bad = task("guarded", "2026-11-20", "2026-11-19");
        bad.validation = new PivotTask.Validation(100_000, null, null, List.of());

        assertThatThrownBy(() -> onSpark(bad.build()))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> assertThat(f.outcome()).isEqualTo(Summary.Outcome.ValidationFailed));

        assertThat(table("guarded").planCurrent().snapshotId()).isEqualTo(last);
        assertThat(table("guarded").asOfTags()).containsExactly("2026-11-21");
        assertThat(IcebergRows.files(bucket)).as("no object written or removed").isEqualTo(objects);
    }
}
