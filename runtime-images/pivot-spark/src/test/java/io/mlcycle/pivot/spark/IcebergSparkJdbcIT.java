package io.mlcycle.pivot.spark;

import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.pivot.PivotRunner;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
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
        GameLogGenerator.generate(
                new GameLogGenerator.Config(100, 50, 2, LocalDate.of(2026, 11, 21), 3), data);
        String uri = data.resolve("raw/item-events").toUri() + "dt={date}/";
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
        for (String[] day :
                new String[][] {{"2026-11-20", "2026-11-19"}, {"2026-11-21", "2026-11-20"}}) {
            Tasks t = new Tasks(uri, data.resolve("stage")).day(day[0], day[1]);
            t.storeFormat = TableCatalog.FORMAT_ICEBERG;
            t.catalog = catalog;
            Summary s = new PivotRunner(env).run(t.build());
            assertThat(s.outcome()).as(s.message()).isEqualTo(Summary.Outcome.Succeeded);
        }
        table = LakeTable.open(LakeCatalog.of(catalog, null, env));
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
