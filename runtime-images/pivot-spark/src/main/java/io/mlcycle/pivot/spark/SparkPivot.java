package io.mlcycle.pivot.spark;

import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.S3Settings;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.pivot.DuckDbSql;
import io.mlcycle.pivot.Partitions;
import io.mlcycle.pivot.PivotFailures;
import io.mlcycle.pivot.PivotRunner;
import io.mlcycle.pivot.SourceColumns;
import io.mlcycle.pivot.WhereFilter;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The pivot engine on Spark SQL: Spark scans the window's files, applies the filters and aggregates
 * per (entity, key) into the long table {@code (e, k, v, n)}; the driver then hands that table to
 * the DuckDB pivot's {@link io.mlcycle.pivot.SparseVersionStager} — feature choice, stable indices,
 * sparse parts, catalog, wide export, stats, validation — so both engines publish the same files.
 *
 * <p>Same semantics as the DuckDB engine: values are aggregated in double and cast to FLOAT once;
 * {@code last} orders by (time column, nulls last; file; row in file), files by path for Parquet
 * and in listing order for CSV, exactly the order DuckDB uses.
 */
final class SparkPivot implements PivotRunner.Engine {

    static final String ENGINE = "spark";

    private static final String FILE = "__mlcycle_file";
    private static final String ROW = "__mlcycle_row";

    private final SparkSession spark;
    private final PivotRunner runner;

    SparkPivot(SparkSession spark, PivotRunner runner) {
        this.spark = spark;
        this.runner = runner;
    }

    /** Spark reads an {@code s3://} source through s3a on its executors: nothing is staged. */
    @Override
    public boolean readsObjectStores() {
        return true;
    }

    @Override
    public PivotRunner.Result materialize(
            PivotTask task,
            VersionedStore store,
            Partitions.Resolved resolved,
            Path stage,
            Path tmp,
            long start)
            throws IOException {
        if (resolved == null) {
            throw TaskFailure.invalid(
                    "UnsupportedSource",
                    "source.jdbc is not supported by the spark engine: use the duckdb engine, or"
                            + " export the table to Parquet and give source.uri");
        }
        spark.conf().set("spark.sql.session.timeZone", "UTC");
        spark.conf().set("spark.sql.ansi.enabled", "false");
        String aggregate = PivotRunner.aggregate(task);
        boolean last = aggregate.equals("last");
        String where = PivotRunner.where(task);
        String format = Partitions.format(task.source().format());
        List<Path> files = resolved.files();
        List<SparkFailures.Input> inputs = new ArrayList<>();
        files.forEach(f -> inputs.add(SparkFailures.Input.of(f)));
        resolved.objects().forEach(o -> inputs.add(SparkFailures.Input.ofObject(o)));
        PivotFailures.requireFiles(task, resolved);
        S3Settings s3 = SparkS3.used(task) ? Storage.settings() : null;
        if (s3 != null) {
            SparkS3.configure(spark, s3);
        }
        Work work = Work.of(task.store().uri(), tmp);
        try (DuckDBConnection c = runner.open(tmp)) {
            if (where != null) {
                SparkWhere.check(spark, where);
            }
            if (format.equals("parquet")) {
                DuckDbSql.checkParquetFooters(c, files);
            }
            Dataset<Row> src =
                    read(inputs.stream().map(SparkFailures.Input::read).toList(), format, last);
            SourceColumns cols = columns(src, task);
            long sourceRows = src.count();
            if (sourceRows == 0) {
                throw PivotFailures.noSourceRows(resolved);
            }
            if (cols.value() != null) {
                checkNumeric(src, cols.value(), src.schema().apply(cols.value()).dataType());
            }
            Dataset<Row> filtered =
                    src.where(keep(task, src, cols, where)).select(projection(cols, last));
            Dataset<Row> excluded = excluded(c, task, tmp, work);
            if (excluded != null) {
                filtered =
                        filtered.join(
                                excluded,
                                filtered.col("e").equalTo(excluded.col("e")),
                                "left_anti");
            }
            filtered.groupBy("e", "k")
                    .agg(
                            aggregation(aggregate, cols.value()).cast("double").as("v"),
                            count(lit(1)).as("n"))
                    .write()
                    .options(work.writeOptions())
                    .parquet(work.path("agg"));
            PivotRunner.log(
                    "spark: read %d rows from %d file(s), aggregated at %.2f s",
                    sourceRows, inputs.size(), (System.nanoTime() - start) / 1e9);
            loadAggregated(c, work.fetch("agg"));
            return runner.stager()
                    .stage(c, task, store, stage, sourceRows, resolved.partitions(), files, start);
        } catch (SQLException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed, "QueryFailed", WhereFilter.firstLine(e.getMessage()));
        } catch (TaskFailure | IOException e) {
            throw e;
        } catch (Exception e) { // Spark's AnalysisException is checked yet undeclared
            throw SparkFailures.of(e, inputs, s3);
        } finally {
            work.close();
        }
    }

    /** The source's columns (less the file and row columns read adds) resolved for the task. */
    private static SourceColumns columns(Dataset<Row> src, PivotTask task) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (StructField f : src.schema().fields()) {
            if (!f.name().equals(FILE) && !f.name().equals(ROW)) {
                columns.put(f.name(), f.dataType().simpleString());
            }
        }
        return SourceColumns.of(columns, task);
    }

    /** The rows that count: entity and key present, the task's where and time window. */
    private Column keep(PivotTask task, Dataset<Row> src, SourceColumns cols, String where) {
        Column keep = col(q(cols.entity())).isNotNull().and(col(q(cols.key())).isNotNull());
        if (where != null) {
            keep = keep.and(SparkWhere.bind(spark, src, where));
        }
        String time = cols.time();
        if (time != null && task.window() != null && task.window().from() != null) {
            Partitions.dates(task.window());
            keep =
                    keep.and(col(q(time)).geq(lit(Date.valueOf(task.window().from()))))
                            .and(col(q(time)).lt(lit(Date.valueOf(task.window().to()))));
        }
        return keep;
    }

    /**
     * Entity {@code e}, key {@code k}, value {@code v} and, for {@code last}, its order {@code o}.
     */
    private static Column[] projection(SourceColumns cols, boolean last) {
        List<Column> out = new ArrayList<>();
        out.add(col(q(cols.entity())).cast("string").as("e"));
        out.add(col(q(cols.key())).cast("string").as("k"));
        if (cols.value() != null) {
            out.add(col(q(cols.value())).cast("double").as("v"));
        }
        if (last) {
            // DuckDB compares struct fields with NULL greatest: a row without time is latest
            List<Column> order = new ArrayList<>();
            if (cols.time() != null) {
                order.add(col(q(cols.time())).isNull().as("tn"));
                order.add(col(q(cols.time())).as("t"));
            }
            order.add(col(FILE).as("f"));
            order.add(col(ROW).as("r"));
            out.add(struct(order.toArray(Column[]::new)).as("o"));
        }
        return out.toArray(Column[]::new);
    }

    /** The excluded entities ({@code e}) the DuckDB side loaded, as Spark reads them; or null. */
    private Dataset<Row> excluded(DuckDBConnection c, PivotTask task, Path tmp, Work work)
            throws SQLException, IOException {
        if (!DuckDbSql.loadExclusions(c, task.filters())) {
            return null;
        }
        Path list = tmp.resolve("excluded.parquet");
        exec(
                c,
                "COPY (SELECT DISTINCT e FROM excluded) TO "
                        + SparseTables.literal(list.toString())
                        + " (FORMAT parquet)");
        return spark.read().parquet(work.put(list));
    }

    /** The task's aggregate of {@code v} as the DuckDB engine computes it. */
    private static Column aggregation(String aggregate, String value) {
        return switch (aggregate) {
            case "sum" -> sum(col("v"));
            case "count" -> value == null ? count(lit(1)) : count(col("v"));
            case "max" -> max(col("v"));
            case "min" -> min(col("v"));
            case "mean" -> avg(col("v"));
            // DuckDB's arg_max skips rows whose value is NULL
            default -> max_by(col("v"), when(col("v").isNotNull(), col("o")));
        };
    }

    /**
     * Where Spark writes what the driver reads back (the aggregated table, the exclusion list Spark
     * joins): the store's local temp dir for a {@code file://} store, a hidden prefix next to the
     * versions of an {@code s3://} store (executors elsewhere cannot see the driver's disk),
     * downloaded by the driver and deleted after the run.
     */
    private record Work(Path local, ObjectDirs.Location remote) {

        static Work of(String storeUri, Path tmp) {
            if (!Storage.isS3(storeUri)) {
                return new Work(tmp, null);
            }
            String dir = ".spark-tmp-" + tmp.getFileName() + "-" + UUID.randomUUID();
            return new Work(tmp, Storage.locate(Uris.resolve(storeUri, dir), "store.uri"));
        }

        /** The Spark path of {@code name} in this work dir. */
        String path(String name) {
            return remote == null
                    ? local.resolve(name).toString()
                    : SparkS3.s3a(remote.child(name).uri());
        }

        /**
         * The committer's options for a write here. On {@code s3://} it leaves its {@code
         * _temporary} directory to {@link #close}, which deletes the whole work prefix deepest key
         * first; S3A deletes in listing order, where S3Proxy's file backend holds a directory that
         * still has entries 10 s before it gives up.
         */
        Map<String, String> writeOptions() {
            return remote == null
                    ? Map.of()
                    : Map.of("mapreduce.fileoutputcommitter.cleanup.skipped", "true");
        }

        /** Makes a local file readable by Spark's executors; returns its Spark path. */
        String put(Path file) throws IOException {
            if (remote == null) {
                return file.toString();
            }
            String name = file.getFileName().toString();
            remote.store().put(file, remote.child(name).key());
            return path(name);
        }

        /** The local copy of what Spark wrote under {@code name}. */
        Path fetch(String name) throws IOException {
            if (remote == null) {
                return local.resolve(name);
            }
            Path to = local.resolve("fetched-" + name);
            ObjectDirs.stage(remote.child(name), to, Long.MAX_VALUE, "the spark engine's output");
            Files.createDirectories(to);
            return to;
        }

        void close() {
            if (remote != null) {
                try {
                    ObjectDirs.deletePrefix(remote);
                } catch (IOException | RuntimeException e) {
                    PivotRunner.log("could not delete %s: %s", remote.uri(), e.getMessage());
                }
            }
        }
    }

    /**
     * The window's files as one relation, columns united by name. For {@code last} every row also
     * carries its file's rank and its position in the file: Parquet files rank by path (DuckDB's
     * filename order) with the reader's row index; CSV files rank in listing order (DuckDB reads
     * them into one table in that order) and are read whole, one task per file, so the increasing
     * id follows the file's lines.
     */
    private Dataset<Row> read(List<String> files, String format, boolean last) {
        if (format.equals("parquet") && !last) {
            return spark.read().option("mergeSchema", "true").parquet(files.toArray(String[]::new));
        }
        List<String> ranked =
                format.equals("parquet")
                        ? files.stream().sorted(Comparator.naturalOrder()).toList()
                        : files;
        Dataset<Row> all = null;
        for (int i = 0; i < ranked.size(); i++) {
            String file = ranked.get(i);
            Dataset<Row> one;
            if (format.equals("parquet")) {
                one = spark.read().parquet(file);
                one = one.withColumn(ROW, col("_metadata.row_index"));
            } else {
                one = csv().csv(file);
                if (last) {
                    one = one.withColumn(ROW, monotonically_increasing_id());
                }
            }
            if (last) {
                one = one.withColumn(FILE, lit(i));
            }
            all = all == null ? one : all.unionByName(one, true);
        }
        return all;
    }

    private org.apache.spark.sql.DataFrameReader csv() {
        return spark.read()
                .option("header", "true")
                .option("inferSchema", "true")
                .option("multiLine", "true")
                .option("mode", "FAILFAST");
    }

    private static void checkNumeric(Dataset<Row> src, String value, DataType type) {
        if (type instanceof NumericType || type instanceof BooleanType) {
            return;
        }
        if (type instanceof StringType) {
            List<Row> bad =
                    src.where(col(q(value)).isNotNull().and(col(q(value)).cast("double").isNull()))
                            .select(col(q(value)))
                            .limit(1)
                            .collectAsList();
            if (bad.isEmpty()) {
                return;
            }
            throw PivotFailures.nonNumeric(value, bad.get(0).getString(0));
        }
        throw PivotFailures.notNumeric(value, type.simpleString());
    }

    /**
     * Reads Spark's part files into DuckDB's {@code agg}, the table the shared tail starts from.
     */
    private static void loadAggregated(DuckDBConnection c, Path aggDir)
            throws SQLException, IOException {
        boolean any;
        try (Stream<Path> s = Files.list(aggDir)) {
            any = s.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"));
        }
        exec(
                c,
                any
                        ? "CREATE TABLE agg AS SELECT CAST(e AS VARCHAR) AS e, CAST(k AS VARCHAR) AS"
                                + " k, CAST(v AS DOUBLE) AS v, CAST(n AS BIGINT) AS n FROM"
                                + " read_parquet("
                                + SparseTables.literal(aggDir.resolve("*.parquet").toString())
                                + ")"
                        : "CREATE TABLE agg(e VARCHAR, k VARCHAR, v DOUBLE, n BIGINT)");
    }

    private static void exec(DuckDBConnection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** A column name quoted for {@code col()}: dots and backticks stay part of the name. */
    static String q(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
