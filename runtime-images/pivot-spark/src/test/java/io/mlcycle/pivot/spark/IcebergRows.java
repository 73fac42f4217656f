package io.mlcycle.pivot.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.pivot.PivotRunner;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Iceberg fixtures: two as-ofs either engine commits, and a table's rows as sorted {@code
 * entity:idx=val,…} lines as Spark SQL reads them and as mlcycle's reader (DuckDB over the files an
 * Iceberg scan plans) reads them, for interop tests.
 */
final class IcebergRows {

    private IcebergRows() {}

    /** One pivot engine, as the tests run it: the DuckDB runner or the Spark runtime's handler. */
    @FunctionalInterface
    interface Engine {
        Summary run(PivotTask task) throws IOException;
    }

    /**
     * Generates the item-event log under {@code data} and has the DuckDB pivot commit as-ofs
     * 2026-11-20 and 2026-11-21 to the catalog's table; returns the table, opened for reading.
     */
    static LakeTable commitTwoAsOfs(Path data, TableCatalog catalog, Function<String, String> env)
            throws IOException {
        return commitTwoAsOfs(events(data), data, catalog, env, new PivotRunner(env)::run);
    }

    /** Generates the item-event log under {@code data}; returns its partitioned URI. */
    static String events(Path data) throws IOException {
        GameLogGenerator.generate(
                new GameLogGenerator.Config(100, 50, 2, LocalDate.of(2026, 11, 21), 3), data);
        return eventsUri(data);
    }

    /** The partitioned URI of the item-event log {@link #events} generated under {@code data}. */
    static String eventsUri(Path data) {
        return data.resolve("raw/item-events").toUri() + "dt={date}/";
    }

    /**
     * Has {@code engine} pivot the events at {@code uri} and commit as-ofs 2026-11-20 and
     * 2026-11-21 to the catalog's table; returns the table, opened for reading.
     */
    static LakeTable commitTwoAsOfs(
            String uri,
            Path data,
            TableCatalog catalog,
            Function<String, String> env,
            Engine engine)
            throws IOException {
        for (String[] day :
                new String[][] {{"2026-11-20", "2026-11-19"}, {"2026-11-21", "2026-11-20"}}) {
            Summary s = engine.run(task(uri, data, catalog, day[0], day[1]).build());
            if (s.outcome() != Summary.Outcome.Succeeded) {
                throw new IllegalStateException("pivot of " + day[0] + ": " + s.message());
            }
        }
        return LakeTable.open(LakeCatalog.of(catalog, null, env));
    }

    /** A pivot of the as-of's two-day window that commits to the catalog's table. */
    static Tasks task(String uri, Path data, TableCatalog catalog, String asOf, String from) {
        Tasks t = new Tasks(uri, data.resolve("stage")).day(asOf, from);
        t.storeFormat = TableCatalog.FORMAT_ICEBERG;
        t.catalog = catalog;
        return t;
    }

    /** A Hadoop catalog {@code lake} with its warehouse at {@code dir}, table features.items. */
    static TableCatalog hadoop(Path dir) {
        return hadoop(dir.toUri().toString(), "features", "items");
    }

    /** Every file under {@code dir} (relative path → size): what a run wrote or removed. */
    static Map<String, Long> files(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }

    /** A Hadoop catalog {@code lake} on {@code warehouse}, its table {@code namespace.table}. */
    static TableCatalog hadoop(String warehouse, String namespace, String table) {
        return new TableCatalog(
                TableCatalog.HADOOP, "lake", null, warehouse, namespace, table, null, null, null);
    }

    /**
     * A Hadoop catalog {@code lake} on the warehouse {@code data}/lake with table {@code
     * namespace.table}, which Spark reads as its Iceberg catalog {@code sparkCatalog} (the opening
     * of each interop test: mlcycle commits, plain Spark SQL reads).
     */
    static TableCatalog hadoopReadBySpark(
            SparkSession spark, String sparkCatalog, Path data, String namespace, String table) {
        String warehouse = data.resolve("lake").toUri().toString();
        useHadoopCatalog(spark, sparkCatalog, warehouse);
        return hadoop(warehouse, namespace, table);
    }

    /**
     * Spark's Iceberg catalog {@code name}: Iceberg's Hadoop catalog on {@code warehouse}. Spark
     * keeps a catalog once loaded, so each test class of the shared session names its own.
     */
    static void useHadoopCatalog(SparkSession spark, String name, String warehouse) {
        String key = "spark.sql.catalog." + name;
        spark.conf().set(key, "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set(key + ".type", "hadoop");
        spark.conf().set(key + ".warehouse", warehouse);
    }

    /** What Spark SQL returns for a query of {@code entity, idx, val}. */
    static List<String> spark(SparkSession spark, String sql) {
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

    /**
     * What Spark SQL returns for {@code entity, idx, val} of {@code sqlTable} at the as-of's tag.
     */
    static List<String> sparkAt(SparkSession spark, String sqlTable, String asOf) {
        return spark(
                spark,
                "SELECT entity, idx, val FROM " + sqlTable + " VERSION AS OF 'asOf-" + asOf + "'");
    }

    /**
     * The Spark engine's table {@code onSpark} holds the DuckDB engine's rows ({@code duckdb}) at
     * as-ofs 2026-11-20 and 2026-11-21, read by mlcycle's reader and by Spark SQL as {@code
     * sqlTable}, and its current snapshot is the later as-of.
     */
    static void assertSparkEngineAgreesAtEachAsOf(
            SparkSession spark, LakeTable duckdb, LakeTable onSpark, String sqlTable)
            throws IOException {
        for (String asOf : List.of("2026-11-20", "2026-11-21")) {
            List<String> rows = mlcycle(duckdb.plan(asOf));
            assertThat(mlcycle(onSpark.plan(asOf))).as(asOf).isEqualTo(rows);
            assertThat(sparkAt(spark, sqlTable, asOf)).as(asOf).isEqualTo(rows);
        }
        assertThat(onSpark.planCurrent().asOf()).isEqualTo("2026-11-21");
    }

    /** What mlcycle's reader returns for a planned version. */
    static List<String> mlcycle(ScanPlan plan) throws IOException {
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
}
