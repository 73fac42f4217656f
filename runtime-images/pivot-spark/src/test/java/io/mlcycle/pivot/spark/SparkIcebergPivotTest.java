package io.mlcycle.pivot.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Spark engine with {@code store.format: iceberg}: each as-of is one tagged commit of the same
 * table the DuckDB engine commits (same rows and values at every tag, read by mlcycle's reader and
 * by Spark SQL by name), with the DuckDB engine's backfill, re-run, keep-N and validation meaning.
 */
@UnitTier
class SparkIcebergPivotTest {

    @TempDir static Path data;
    static SparkSession spark;
    static String events;

    @BeforeAll
    static void generate() throws IOException {
        spark = TestSpark.start();
        events = IcebergRows.events(data);
    }

    private static Summary onSpark(PivotTask task) throws IOException {
        return TestSpark.spark(spark, task);
    }

    private static Tasks task(TableCatalog catalog, String asOf, String from) {
        return IcebergRows.task(events, data, catalog, asOf, from);
    }

    private static LakeTable table(TableCatalog catalog) {
        return LakeTable.open(LakeCatalog.of(catalog, null, name -> null));
    }

    @Test
    void bothEnginesCommitTheSameRowsAtEveryTagAndSparkSqlReadsThemByName() throws IOException {
        TableCatalog duckCatalog = IcebergRows.hadoop(data.resolve("duck-lake"));
        TableCatalog sparkCatalog = IcebergRows.hadoop(data.resolve("spark-lake"));
        LakeTable duck =
                IcebergRows.commitTwoAsOfs(
                        events, data, duckCatalog, name -> null, TestSpark::duckdb);
        LakeTable onSpark =
                IcebergRows.commitTwoAsOfs(
                        events, data, sparkCatalog, name -> null, SparkIcebergPivotTest::onSpark);
        IcebergRows.useHadoopCatalog(spark, "engines", sparkCatalog.warehouse());

        assertThat(onSpark.asOfTags()).containsExactlyInAnyOrder("2026-11-20", "2026-11-21");
        assertThat(onSpark.planCurrent().asOf()).isEqualTo("2026-11-21");
        for (String asOf : List.of("2026-11-20", "2026-11-21")) {
            List<String> rows = IcebergRows.mlcycle(duck.plan(asOf));
            assertThat(rows).as(asOf).hasSizeGreaterThan(10);
            assertThat(IcebergRows.mlcycle(onSpark.plan(asOf))).as(asOf).isEqualTo(rows);
            assertThat(onSpark.plan(asOf).featureCatalog().indexByName())
                    .as(asOf)
                    .isEqualTo(duck.plan(asOf).featureCatalog().indexByName());
            assertThat(
                            IcebergRows.spark(
                                    spark,
                                    "SELECT entity, idx, val FROM engines.features.items"
                                            + " VERSION AS OF 'asOf-"
                                            + asOf
                                            + "'"))
                    .as(asOf)
                    .isEqualTo(rows);
        }
    }

    @Test
    void theSummaryNamesTheEngineTheTableAndTheCommittedSnapshot() throws IOException {
        TableCatalog catalog = IcebergRows.hadoop(data.resolve("summary-lake"));

        Summary s = onSpark(task(catalog, "2026-11-21", "2026-11-20").build());

        ScanPlan plan = table(catalog).plan("2026-11-21");
        assertThat(s.outcome()).as(s.message()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.details())
                .containsEntry(PivotSummary.ENGINE, "spark")
                .containsEntry(PivotSummary.SNAPSHOT_ID, plan.snapshotId());
        assertThat((String) s.details().get(PivotSummary.TABLE)).endsWith("table features.items");
        assertThat(plan.dataFiles()).isNotEmpty().allMatch(f -> f.contains("asOf=2026-11-21"));
    }

    @Test
    void aBackfillIsTaggedWithoutReplacingTheCurrentSnapshotAndARerunMovesItsTag()
            throws IOException {
        TableCatalog catalog = IcebergRows.hadoop(data.resolve("backfill-lake"));
        onSpark(task(catalog, "2026-11-21", "2026-11-20").build());
        long current = table(catalog).planCurrent().snapshotId();

        onSpark(task(catalog, "2026-11-20", "2026-11-19").build());

        assertThat(table(catalog).asOfTags()).containsExactlyInAnyOrder("2026-11-20", "2026-11-21");
        assertThat(table(catalog).planCurrent().snapshotId()).isEqualTo(current);
        assertThat(table(catalog).plan("2026-11-20").snapshotId()).isNotEqualTo(current);

        onSpark(task(catalog, "2026-11-21", "2026-11-20").build());

        long rerun = table(catalog).plan("2026-11-21").snapshotId();
        assertThat(rerun).isNotEqualTo(current);
        assertThat(table(catalog).planCurrent().snapshotId()).isEqualTo(rerun);
    }

    @Test
    void keepNExpiresTheOlderAsOfAndDeletesItsFiles() throws IOException {
        TableCatalog catalog = IcebergRows.hadoop(data.resolve("kept-lake"));
        Tasks first = task(catalog, "2026-11-20", "2026-11-19");
        first.keep = 1;
        onSpark(first.build());
        Path firstRun = Path.of(URI.create(table(catalog).plan("2026-11-20").featuresUri()));
        Tasks second = task(catalog, "2026-11-21", "2026-11-20");
        second.keep = 1;

        Summary s = onSpark(second.build());

        assertThat(s.details()).containsEntry(PivotSummary.PRUNED, List.of("2026-11-20"));
        assertThat(table(catalog).asOfTags()).containsExactly("2026-11-21");
        assertThat(firstRun.getParent()).doesNotExist();
        assertThat(Path.of(URI.create(table(catalog).planCurrent().featuresUri()))).exists();
    }

    @Test
    void aRunThatFailsValidationCommitsNothingAndTheLastGoodSnapshotStays() throws IOException {
        Path warehouse = data.resolve("guarded-lake");
        TableCatalog catalog = IcebergRows.hadoop(warehouse);
        onSpark(task(catalog, "2026-11-21", "2026-11-20").build());
        long last = table(catalog).planCurrent().snapshotId();
        Map<String, Long> before = IcebergRows.files(warehouse);
        Tasks bad = task(catalog, "2026-11-20", "2026-11-19");
        bad.validation = new PivotTask.Validation(100_000, null, null, List.of());

        assertThatThrownBy(() -> onSpark(bad.build()))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> assertThat(f.outcome()).isEqualTo(Summary.Outcome.ValidationFailed));

        assertThat(table(catalog).planCurrent().snapshotId()).isEqualTo(last);
        assertThat(table(catalog).asOfTags()).containsExactly("2026-11-21");
        assertThat(IcebergRows.files(warehouse)).as("no file written or removed").isEqualTo(before);
    }
}
