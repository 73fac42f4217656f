package io.mlcycle.pivot.spark;

import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.testing.RestCatalogProcess;
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
 * The catalog behind an HTTP endpoint: the DuckDB pivot and the Spark pivot commit through a real
 * Iceberg REST catalog (Iceberg's own servlet, in a child JVM: {@link RestCatalogProcess}) with the
 * OAuth2 client credential from the pod's environment, and plain Spark SQL configured with {@code
 * type=rest}, the {@code uri} and a {@code credential} or a {@code token} reads the tables by name,
 * at the current snapshot and at an older as-of tag, with mlcycle's rows and values.
 */
@RealServersTier
class IcebergSparkRestIT {

    @TempDir static Path data;
    static RestCatalogProcess rest;
    static SparkSession spark;
    static LakeTable table;
    static LakeTable sparkTable;

    @BeforeAll
    static void commitTwoAsOfsThroughTheRestCatalog() throws Exception {
        rest = RestCatalogProcess.start(data.resolve("warehouse"));
        spark = TestSpark.start();
        Function<String, String> env =
                Map.of(
                                PodEnv.CATALOG_USER, RestCatalogProcess.CLIENT_ID,
                                PodEnv.CATALOG_PASSWORD, RestCatalogProcess.CLIENT_SECRET)
                        ::get;
        table = IcebergRows.commitTwoAsOfs(data, rest("items"), env);
        // the Spark engine commits the same pivot through the same catalog, to its own table
        sparkTable =
                IcebergRows.commitTwoAsOfs(
                        IcebergRows.eventsUri(data),
                        data,
                        rest("items_spark"),
                        env,
                        task -> TestSpark.spark(spark, task, env));
        useRestCatalog(
                "rest_oauth",
                "credential",
                RestCatalogProcess.CLIENT_ID + ":" + RestCatalogProcess.CLIENT_SECRET);
        useRestCatalog("rest_token", "token", RestCatalogProcess.TOKEN);
    }

    /** Catalog {@code rest} on the child's endpoint, credentials from the pod's environment. */
    private static TableCatalog rest(String table) {
        return new TableCatalog(
                TableCatalog.REST,
                "rest",
                rest.uri(),
                null,
                "features",
                table,
                PodEnv.CATALOG_USER,
                PodEnv.CATALOG_PASSWORD,
                PodEnv.CATALOG_TOKEN);
    }

    /** Spark's Iceberg catalog {@code name} on the REST endpoint, authenticated by {@code key}. */
    private static void useRestCatalog(String name, String key, String secret) {
        String prefix = "spark.sql.catalog." + name;
        spark.conf().set(prefix, "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set(prefix + ".type", "rest");
        spark.conf().set(prefix + ".uri", rest.uri());
        spark.conf().set(prefix + "." + key, secret);
    }

    @AfterAll
    static void stopTheRestCatalog() throws Exception {
        if (rest != null) {
            rest.close();
        }
    }

    @Test
    void sparkSqlWithTheClientCredentialReadsTheTableNowAndAtAnOlderAsOf() throws Exception {
        List<String> current = IcebergRows.mlcycle(table.planCurrent());
        List<String> older = IcebergRows.mlcycle(table.plan("2026-11-20"));

        assertThat(current).hasSizeGreaterThan(10).isNotEqualTo(older);
        assertThat(
                        IcebergRows.spark(
                                spark, "SELECT entity, idx, val FROM rest_oauth.features.items"))
                .isEqualTo(current);
        assertThat(IcebergRows.sparkAt(spark, "rest_oauth.features.items", "2026-11-20"))
                .isEqualTo(older);
        // Spark sees the tags at the snapshots mlcycle planned
        assertThat(
                        spark
                                .sql(
                                        "SELECT name, snapshot_id FROM rest_oauth.features.items.refs"
                                                + " WHERE type = 'TAG' ORDER BY name")
                                .collectAsList()
                                .stream()
                                .map(r -> r.getString(0) + "=" + r.getLong(1))
                                .toList())
                .containsExactly(
                        "asOf-2026-11-20=" + table.plan("2026-11-20").snapshotId(),
                        "asOf-2026-11-21=" + table.planCurrent().snapshotId());
    }

    @Test
    void sparkSqlWithABearerTokenReadsTheSparkEnginesTableAtEachAsOf() throws Exception {
        IcebergRows.assertSparkEngineAgreesAtEachAsOf(
                spark, table, sparkTable, "rest_token.features.items_spark");
        assertThat(
                        IcebergRows.spark(
                                spark,
                                "SELECT entity, idx, val FROM rest_token.features.items_spark"))
                .isEqualTo(IcebergRows.mlcycle(table.planCurrent()));
    }
}
