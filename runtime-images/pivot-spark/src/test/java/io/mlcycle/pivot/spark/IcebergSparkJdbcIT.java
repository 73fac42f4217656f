package io.mlcycle.pivot.spark;

import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog a platform team runs: the DuckDB pivot commits through Iceberg's JDBC catalog on a
 * real PostgreSQL, and plain Spark SQL configured with the same catalog reads the table by name, at
 * the current snapshot and at an older as-of tag, with mlcycle's rows and values.
 */
@RealServersTier
class IcebergSparkJdbcIT {

    @TempDir static Path data;
    static PostgresServer pg;
    static SparkSession spark;
    static LakeTable table;

    @BeforeAll
    static void commitTwoAsOfsThroughPostgres() throws Exception {
        pg = PostgresServer.start();
        spark = TestSpark.start();
        String warehouse = data.resolve("lake").toUri().toString();
        TableCatalog catalog =
                new TableCatalog(
                        TableCatalog.JDBC,
                        "pg",
                        pg.url(),
                        warehouse,
                        "features",
                        "items",
                        PodEnv.CATALOG_USER,
                        PodEnv.CATALOG_PASSWORD);
        Function<String, String> env =
                Map.of(
                                PodEnv.CATALOG_USER, PostgresServer.USER,
                                PodEnv.CATALOG_PASSWORD, PostgresServer.PASSWORD)
                        ::get;
        table = IcebergRows.commitTwoAsOfs(data, catalog, env);
        spark.conf().set("spark.sql.catalog.pg", "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set("spark.sql.catalog.pg.type", "jdbc");
        spark.conf().set("spark.sql.catalog.pg.uri", pg.url());
        spark.conf().set("spark.sql.catalog.pg.jdbc.user", PostgresServer.USER);
        spark.conf().set("spark.sql.catalog.pg.jdbc.password", PostgresServer.PASSWORD);
        spark.conf().set("spark.sql.catalog.pg.warehouse", warehouse);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void sparkSqlReadsTheTableThroughTheJdbcCatalogNowAndAtAnOlderAsOf() throws Exception {
        List<String> current = IcebergRows.mlcycle(table.planCurrent());
        List<String> older = IcebergRows.mlcycle(table.plan("2026-11-20"));

        assertThat(current).hasSizeGreaterThan(10).isNotEqualTo(older);
        assertThat(IcebergRows.spark(spark, "SELECT entity, idx, val FROM pg.features.items"))
                .isEqualTo(current);
        assertThat(
                        IcebergRows.spark(
                                spark,
                                "SELECT entity, idx, val FROM pg.features.items"
                                        + " VERSION AS OF 'asOf-2026-11-20'"))
                .isEqualTo(older);
    }
}
