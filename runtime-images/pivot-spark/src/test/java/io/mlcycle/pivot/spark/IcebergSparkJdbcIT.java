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
 * The catalog a platform team runs: the DuckDB pivot and the Spark pivot commit through Iceberg's
 * JDBC catalog on a real PostgreSQL (with the catalog credentials from the pod's environment), and
 * plain Spark SQL configured with the same catalog reads the tables by name, at the current
 * snapshot and at an older as-of tag, with mlcycle's rows and values.
 */
@RealServersTier
class IcebergSparkJdbcIT {

    @TempDir static Path data;
    static PostgresServer pg;
    static SparkSession spark;
    static LakeTable table;
    static LakeTable sparkTable;

    @BeforeAll
    static void commitTwoAsOfsThroughPostgres() throws Exception {
        pg = PostgresServer.start();
        spark = TestSpark.start();
        String warehouse = data.resolve("lake").toUri().toString();
        TableCatalog catalog = jdbc(warehouse, "items");
        Function<String, String> env =
                Map.of(
                                PodEnv.CATALOG_USER, PostgresServer.USER,
                                PodEnv.CATALOG_PASSWORD, PostgresServer.PASSWORD)
                        ::get;
        table = IcebergRows.commitTwoAsOfs(data, catalog, env);
        // the Spark engine commits the same pivot through the same catalog, to its own table
        TableCatalog sparkCatalog = jdbc(warehouse, "items_spark");
        sparkTable =
                IcebergRows.commitTwoAsOfs(
                        IcebergRows.eventsUri(data),
                        data,
                        sparkCatalog,
                        env,
                        task -> TestSpark.spark(spark, task, env));
        spark.conf().set("spark.sql.catalog.pg", "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set("spark.sql.catalog.pg.type", "jdbc");
        spark.conf().set("spark.sql.catalog.pg.uri", pg.url());
        spark.conf().set("spark.sql.catalog.pg.jdbc.user", PostgresServer.USER);
        spark.conf().set("spark.sql.catalog.pg.jdbc.password", PostgresServer.PASSWORD);
        spark.conf().set("spark.sql.catalog.pg.warehouse", warehouse);
    }

    /** Catalog {@code pg} on the test's PostgreSQL, credentials from the pod's environment. */
    private static TableCatalog jdbc(String warehouse, String table) {
        return new TableCatalog(
                TableCatalog.JDBC,
                "pg",
                pg.url(),
                warehouse,
                "features",
                table,
                PodEnv.CATALOG_USER,
                PodEnv.CATALOG_PASSWORD,
                null);
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
        assertThat(IcebergRows.sparkAt(spark, "pg.features.items", "2026-11-20")).isEqualTo(older);
    }

    @Test
    void theSparkEngineCommitsTheSameRowsThroughTheJdbcCatalogAndSparkSqlReadsThem()
            throws Exception {
        IcebergRows.assertSparkEngineAgreesAtEachAsOf(
                spark, table, sparkTable, "pg.features.items_spark");
    }
}
