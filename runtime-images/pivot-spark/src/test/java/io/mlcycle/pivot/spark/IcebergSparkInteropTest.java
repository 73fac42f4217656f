package io.mlcycle.pivot.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
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

    /** Rows as sorted {@code entity:idx=val,…} lines, from Spark. */
    private static List<String> spark(String sql) {
        List<String> out = new ArrayList<>();
        for (Row r : spark.sql(sql).collectAsList()) {
            List<Object> idx = r.getList(1);
            List<Object> val = r.getList(2);
            StringBuilder sb = new StringBuilder(r.getString(0)).append(':');
            for (int j = 0; j < idx.size(); j++) {
                sb.append(j == 0 ? "" : ",").append(idx.get(j)).append('=').append(val.get(j));
            }
            out.add(sb.toString());
        }
        return out.stream().sorted().toList();
    }

    /** The same lines from mlcycle's reader: DuckDB over the files the scan plans. */
    private static List<String> mlcycle(ScanPlan plan) throws IOException {
        SparseMatrix m = plan.read();
        List<String> out = new ArrayList<>();
        for (int r = 0; r < m.rows(); r++) {
            StringBuilder sb = new StringBuilder(m.entities()[r]).append(':');
            for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                sb.append(k == m.rowPtr()[r] ? "" : ",")
                        .append(m.cols()[k])
                        .append('=')
                        .append(m.values()[k]);
            }
            out.add(sb.toString());
        }
        return out.stream().sorted().toList();
    }

    @Test
    void sparkSqlReadsTheCurrentSnapshotByNameWithMlcyclesRowsAndValues() throws IOException {
        List<String> current = mlcycle(table.planCurrent());

        assertThat(current).hasSizeGreaterThan(10);
        assertThat(spark("SELECT entity, idx, val FROM lake.features.items")).isEqualTo(current);
        assertThat(table.planCurrent().asOf()).isEqualTo("2026-11-21");
    }

    @Test
    void sparkSqlReadsAnOlderAsOfByItsTag() throws IOException {
        List<String> older = mlcycle(table.plan("2026-11-20"));

        assertThat(older).isNotEqualTo(mlcycle(table.planCurrent()));
        assertThat(
                        spark(
                                "SELECT entity, idx, val FROM lake.features.items"
                                        + " VERSION AS OF 'asOf-2026-11-20'"))
                .isEqualTo(older);
    }
}
