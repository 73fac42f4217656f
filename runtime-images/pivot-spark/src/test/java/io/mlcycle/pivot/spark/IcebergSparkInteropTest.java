package io.mlcycle.pivot.spark;

import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An engine nobody here wrote reads what mlcycle commits: plain Spark SQL with Iceberg's Spark
 * runtime reads the feature table the DuckDB pivot committed, by name through the Hadoop catalog,
 * at the current snapshot and at an older as-of tag, and gets the rows and values mlcycle's reader
 * gets from the planned files.
 */
@UnitTier
class IcebergSparkInteropTest {

    @TempDir static Path data;
    static SparkSession spark;
    static LakeTable table;

    @BeforeAll
    static void commitTwoAsOfs() throws IOException {
        spark = TestSpark.start();
        GameLogGenerator.generate(
                new GameLogGenerator.Config(100, 50, 2, LocalDate.of(2026, 11, 21), 3), data);
        String uri = data.resolve("raw/item-events").toUri() + "dt={date}/";
        String warehouse = data.resolve("lake").toUri().toString();
        TableCatalog catalog =
                new TableCatalog(
                        TableCatalog.HADOOP,
                        "lake",
                        null,
                        warehouse,
                        "features",
                        "items",
                        null,
                        null);
        for (String[] day :
                new String[][] {{"2026-11-20", "2026-11-19"}, {"2026-11-21", "2026-11-20"}}) {
            Tasks t = new Tasks(uri, data.resolve("stage")).day(day[0], day[1]);
            t.storeFormat = TableCatalog.FORMAT_ICEBERG;
            t.catalog = catalog;
            Summary s = TestSpark.duckdb(t.build());
            assertThat(s.outcome()).as(s.message()).isEqualTo(Summary.Outcome.Succeeded);
        }
        table = LakeTable.open(LakeCatalog.of(catalog, null, name -> null));
        spark.conf().set("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set("spark.sql.catalog.lake.type", "hadoop");
        spark.conf().set("spark.sql.catalog.lake.warehouse", warehouse);
    }

    @Test
    void sparkSqlReadsTheCurrentSnapshotByNameWithMlcyclesRowsAndValues() throws IOException {
        List<String> current = IcebergRows.mlcycle(table.planCurrent());

        assertThat(current).hasSizeGreaterThan(10);
        assertThat(IcebergRows.spark(spark, "SELECT entity, idx, val FROM lake.features.items"))
                .isEqualTo(current);
        assertThat(table.planCurrent().asOf()).isEqualTo("2026-11-21");
    }

    @Test
    void sparkSqlReadsAnOlderAsOfByItsTag() throws IOException {
        List<String> older = IcebergRows.mlcycle(table.plan("2026-11-20"));

        assertThat(older).isNotEqualTo(IcebergRows.mlcycle(table.planCurrent()));
        assertThat(
                        IcebergRows.spark(
                                spark,
                                "SELECT entity, idx, val FROM lake.features.items"
                                        + " VERSION AS OF 'asOf-2026-11-20'"))
                .isEqualTo(older);
    }
}
