package io.mlcycle.pivot.spark;

import io.mlcycle.common.SparseTables;
import io.mlcycle.lake.LakeSink;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain Spark SQL with Iceberg's Spark runtime reads a batch scores table by name, as the pod
 * scorer commits it ({@code LakeSink.scores}, the columns and types of {@code scores.parquet}), at
 * the current snapshot and at an older as-of tag, and gets the rows the committed files hold.
 */
@UnitTier
class IcebergScoresSparkInteropTest {

    @TempDir static Path data;
    static SparkSession spark;
    static LakeSink sink;

    @BeforeAll
    static void commitTwoRuns() throws Exception {
        spark = TestSpark.start();
        TableCatalog catalog =
                IcebergRows.hadoopReadBySpark(spark, "scoring", data, "scores", "churn_scores");
        sink = LakeSink.scores(catalog, null, name -> null, Map.of("mlcycle.model", "churn"));
        commit("2026-11-20", 30, 0.25);
        commit("2026-11-21", 20, 0.5);
    }

    /**
     * One run's scores.parquet, with the batch scorer's column types, committed for {@code asOf}.
     */
    private static void commit(String asOf, int rows, double shift) throws Exception {
        Path stage = sink.stage(asOf);
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            st.execute(
                    "COPY (SELECT entity, score, row_number() OVER (ORDER BY score DESC, i) AS rank"
                            + " FROM (SELECT i, 'u' || i AS entity,"
                            + " CAST(((i * 37) % 101) / 101.0 + "
                            + shift
                            + " AS FLOAT) AS score FROM range("
                            + rows
                            + ") t(i)) ORDER BY rank) TO "
                            + SparseTables.literal(stage.resolve("scores.parquet").toString())
                            + " (FORMAT parquet)");
        }
        sink.publish(stage, asOf);
    }

    /** entity, score, rank as mlcycle's reader gets them from the files the tag's scan plans. */
    private static List<String> planned(String asOf) throws Exception {
        List<String> out = new ArrayList<>();
        for (String f : sink.table().plan(asOf).dataFiles()) {
            try (Connection c = SparseTables.duckdb();
                    Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT entity, score, rank FROM read_parquet("
                                            + SparseTables.literal(
                                                    Path.of(URI.create(f)).toString())
                                            + ")")) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "," + rs.getFloat(2) + "," + rs.getLong(3));
                }
            }
        }
        return out.stream().sorted().toList();
    }

    private static List<String> spark(String sql) {
        List<String> out = new ArrayList<>();
        for (Row r : spark.sql(sql).collectAsList()) {
            out.add(r.getString(0) + "," + r.getFloat(1) + "," + r.getLong(2));
        }
        return out.stream().sorted().toList();
    }

    @Test
    void sparkSqlReadsTheCurrentScoresByNameWithTheCommittedRows() throws Exception {
        List<String> current = planned("2026-11-21");

        assertThat(current).hasSize(20);
        assertThat(spark("SELECT entity, score, rank FROM scoring.scores.churn_scores"))
                .isEqualTo(current);
    }

    @Test
    void sparkSqlReadsAnOlderRunsScoresByItsTag() throws Exception {
        List<String> older = planned("2026-11-20");

        assertThat(older).hasSize(30);
        assertThat(
                        spark(
                                "SELECT entity, score, rank FROM scoring.scores.churn_scores"
                                        + " VERSION AS OF 'asOf-2026-11-20'"))
                .isEqualTo(older);
    }
}
