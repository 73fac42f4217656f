package io.mlcycle.pivot.spark;

import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
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
        TableCatalog catalog =
                IcebergRows.hadoopReadBySpark(spark, "lake", data, "features", "items");
        table = IcebergRows.commitTwoAsOfs(data, catalog, name -> null);
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
