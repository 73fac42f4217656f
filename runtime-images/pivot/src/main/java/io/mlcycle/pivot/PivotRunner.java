package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Runs one {@link PivotTask} in an embedded DuckDB: source → filters → one sparse row per entity →
 * validation → a published version of the store. Any failure discards the staging directory, so the
 * last good version is never touched.
 *
 * <p>Aggregates per (entity, key): {@code sum}, {@code count} (rows, or non-null values when a
 * value column is given), {@code max}, {@code min}, {@code mean} and {@code last}. {@code last}
 * takes the value of the latest row by {@code source.timeColumn} when one is given, ties (and
 * sources without a time column) broken by source order: partition date, then file name, then row
 * position in the file (for PostgreSQL, the order the query returned). Values that aggregate to
 * NULL or 0 are not stored: the sparse table holds non-zeros only, and a feature's support, min,
 * max and mean are over the entities with a non-zero value.
 *
 * <p>The pivot never builds the wide table for the main output: it aggregates the long rows per
 * (entity, key), then groups per entity into index and value lists, so the work stays proportional
 * to the non-zeros.
 */
public final class PivotRunner {

    /** DuckDB memory limit, e.g. {@code 1GB} (default). */
    public static final String MEMORY_ENV = PodEnv.PIVOT_MEMORY_LIMIT;

    /** DuckDB worker threads (default: the available processors). */
    public static final String THREADS_ENV = PodEnv.PIVOT_THREADS;

    /** Non-zeros grouped into lists per pass; more non-zeros take more passes. */
    static final long PASS_PAIRS = 10_000_000;

    static final String WIDE_FILE = "wide.parquet";
    static final String STATS_FILE = "stats.json";

    private static final Set<String> AGGREGATES =
            Set.of("sum", "count", "max", "min", "mean", "last");
    private static final Pattern NUMERIC =
            Pattern.compile(
                    "U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN");

    private final Function<String, String> env;

    private final long passPairs;

    public PivotRunner(Function<String, String> env) {
        this(env, PASS_PAIRS);
    }

    /** With a smaller {@code passPairs} a test can exercise several output passes. */
    PivotRunner(Function<String, String> env, long passPairs) {
        this.env = env;
        this.passPairs = passPairs;
    }

    /**
     * How an engine turns a checked task into the files of a staged version. DuckDB's is {@link
     * #materialize}; another engine computes the aggregated long table its own way and hands it to
     * {@link #stageAggregated} so indexing, validation and the output files stay one code path.
     */
    @FunctionalInterface
    public interface Engine {
        Result materialize(
                PivotTask task,
                VersionedStore store,
                Partitions.Resolved resolved,
                Path stage,
                Path tmp,
                long start)
                throws IOException;

        /**
         * True when the engine's workers read an {@code s3://} source from the bucket themselves:
         * the source is then listed, not staged, and {@link Partitions.Resolved#objects} holds it.
         */
        default boolean readsObjectStores() {
            return false;
        }
    }

    /** Materializes the task's version; throws {@link TaskFailure} with a clear reason. */
    public Summary run(PivotTask task) throws IOException {
        return run(task, this::materialize, null);
    }

    /**
     * Checks the task, resolves its partitions, lets {@code engine} stage the version, then
     * publishes it (keep-N, online write). {@code engineName}, when given, lands in the summary's
     * details as {@code engine}.
     */
    public Summary run(PivotTask task, Engine engine, String engineName) throws IOException {
        long start = System.nanoTime();
        checkTask(task);
        OnlineWrite.check(task);
        String asOf = task.asOf();
        VersionedStore store = VersionedStore.open(task.store().uri(), "store.uri");
        boolean jdbc = task.source().jdbc() != null;
        Partitions.Resolved resolved =
                jdbc
                        ? null
                        : Partitions.resolve(
                                task.source(), task.window(), engine.readsObjectStores());
        Path stage = store.stage(asOf);
        Path tmp = Files.createTempDirectory(store.root(), ".duckdb-tmp-");
        try {
            Result r = engine.materialize(task, store, resolved, stage, tmp, start);
            Path published = store.publish(stage, asOf);
            List<String> pruned = store.prune(task.store().keep());
            log(
                    "published %s: %d entities × %d features, %d non-zeros in %.1f s",
                    published, r.entities, r.features, r.nonZeros, r.seconds);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put(PivotSummary.AS_OF, asOf);
            if (engineName != null) {
                details.put(PivotSummary.ENGINE, engineName);
            }
            details.put(PivotSummary.PARTITIONS, r.partitions);
            details.put(PivotSummary.WIDE_EXPORT, r.wide);
            if (!pruned.isEmpty()) {
                details.put(PivotSummary.PRUNED, pruned);
            }
            Summary offline = Summary.succeeded(store.versionUri(asOf), r.figures(), details);
            // after the publish: an online failure reports, it never undoes the offline table
            return task.online() == null
                    ? offline
                    : OnlineWrite.write(task, published, offline, env);
        } catch (RuntimeException | IOException e) {
            VersionedStore.discard(stage);
            throw e;
        } finally {
            VersionedStore.discard(tmp);
        }
    }

    /** What a staged version holds; its figures are the summary's and stats.json's. */
    public record Result(
            long sourceRows,
            long filteredRows,
            long entities,
            int features,
            long nonZeros,
            double sparsity,
            double seconds,
            int partitions,
            boolean wide) {

        Map<String, Double> figures() {
            Map<String, Double> f = new LinkedHashMap<>();
            f.put(PivotSummary.SOURCE_ROWS, (double) sourceRows);
            f.put(PivotSummary.FILTERED_ROWS, (double) filteredRows);
            f.put(PivotSummary.ENTITIES, (double) entities);
            f.put(PivotSummary.FEATURES, (double) features);
            f.put(PivotSummary.NON_ZEROS, (double) nonZeros);
            f.put(PivotSummary.SPARSITY, sparsity);
            f.put(PivotSummary.SECONDS, Math.round(seconds * 1000) / 1000.0);
            return f;
        }
    }

    private Result materialize(
            PivotTask task,
            VersionedStore store,
            Partitions.Resolved resolved,
            Path stage,
            Path tmp,
            long start)
            throws IOException {
        PivotTask.Pivot p = task.pivot();
        String aggregate = aggregate(task);
        boolean last = aggregate.equals("last");
        String where = where(task);
        List<Path> files = resolved == null ? List.of() : resolved.files();
        try (DuckDBConnection c = open(tmp)) {
            log("DuckDB ready after %.2f s", (System.nanoTime() - start) / 1e9);
            if (where != null) {
                WhereFilter.check(c, where);
            }
            String format = Partitions.format(task.source().format());
            boolean parquetView = resolved != null && format.equals("parquet");
            if (resolved != null) {
                requireFiles(task, resolved);
                loadFiles(c, files, format, last);
            } else {
                JdbcSource.load(
                        c,
                        "src",
                        task.source().jdbc(),
                        task.source().timeColumn(),
                        task.window(),
                        env);
            }
            exec(c, "SET preserve_insertion_order = false");

            Map<String, String> columns = describe(c, "src");
            SourceColumns cols = SourceColumns.of(columns, task);
            String entity = cols.entity();
            String key = cols.key();
            String value = cols.value();
            String time = cols.time();

            long sourceRows = queryLong(c, "SELECT count(*) FROM src", files);
            if (sourceRows == 0) {
                throw noSourceRows(resolved);
            }
            if (value != null) {
                checkNumeric(c, value, columns.get(value), files);
            }
            boolean excluding = loadExclusions(c, task.filters());
            if (where != null) {
                WhereFilter.bind(c, "src", where);
            }

            String v = value == null ? null : "CAST(" + RelSql.ident(value) + " AS DOUBLE)";
            List<String> conditions = new ArrayList<>();
            conditions.add(RelSql.ident(entity) + " IS NOT NULL");
            conditions.add(RelSql.ident(key) + " IS NOT NULL");
            if (where != null) {
                conditions.add("(" + where + ")");
            }
            if (time != null && task.window() != null && task.window().from() != null) {
                Partitions.dates(task.window());
                conditions.add(
                        RelSql.ident(time)
                                + " >= DATE '"
                                + task.window().from()
                                + "' AND "
                                + RelSql.ident(time)
                                + " < DATE '"
                                + task.window().to()
                                + "'");
            }
            String order = "";
            if (last) {
                String file = parquetView ? "__file" : "''";
                String row = parquetView ? "file_row_number" : "rowid";
                order =
                        ", {"
                                + (time == null ? "" : "'t': " + RelSql.ident(time) + ", ")
                                + "'f': "
                                + file
                                + ", 'r': "
                                + row
                                + "} AS o";
            }
            String filtered =
                    "SELECT CAST("
                            + RelSql.ident(entity)
                            + " AS VARCHAR) AS e, CAST("
                            + RelSql.ident(key)
                            + " AS VARCHAR) AS k"
                            + (v == null ? "" : ", " + v + " AS v")
                            + order
                            + " FROM src WHERE "
                            + String.join(" AND ", conditions);
            String aggExpr =
                    switch (aggregate) {
                        case "sum" -> "sum(v)";
                        case "count" -> value == null ? "count(*)" : "count(v)";
                        case "max" -> "max(v)";
                        case "min" -> "min(v)";
                        case "mean" -> "avg(v)";
                        default -> "arg_max(v, o)";
                    };
            exec(
                    c,
                    "CREATE TABLE agg AS SELECT e, k, CAST("
                            + aggExpr
                            + " AS DOUBLE) AS v, count(*) AS n FROM ("
                            + filtered
                            + ") f"
                            + (excluding
                                    ? " WHERE NOT EXISTS (SELECT 1 FROM excluded x WHERE x.e = f.e)"
                                    : "")
                            + " GROUP BY e, k",
                    files);
            return stageAggregated(
                    c,
                    task,
                    store,
                    stage,
                    sourceRows,
                    resolved == null ? 0 : resolved.partitions(),
                    files,
                    start);
        } catch (SQLException e) {
            throw failure(e, files);
        }
    }

    /**
     * The engine-independent part of a pivot: from {@code agg(e VARCHAR, k VARCHAR, v DOUBLE, n
     * BIGINT)} in {@code c} (one row per entity and key: the aggregated value and the number of
     * source rows behind it) to the staged version: feature choice and indices (stable against the
     * previous version), the sparse parts, features.json, the wide export, stats.json, and the
     * validation rules. {@code files} only name a corrupt file in an error.
     */
    public Result stageAggregated(
            DuckDBConnection c,
            PivotTask task,
            VersionedStore store,
            Path stage,
            long sourceRows,
            int partitions,
            List<Path> files,
            long start)
            throws IOException {
        PivotTask.Pivot p = task.pivot();
        try {
            long filteredRows = queryLong(c, "SELECT coalesce(sum(n), 0) FROM agg", files);
            Progress.report("read %d rows, %d after filters", sourceRows, filteredRows);
            log(
                    "read %d rows from %d file(s), %d after filters; aggregated at %.2f s",
                    sourceRows, files.size(), filteredRows, (System.nanoTime() - start) / 1e9);
            if (filteredRows == 0) {
                throw TaskFailure.invalid(
                        "EmptySource",
                        "the filters removed all "
                                + sourceRows
                                + " source rows (filters.where, filters.excludeEntities,"
                                + " window)");
            }

            String prefix = p.prefix() == null ? "" : p.prefix();
            List<FeatureIndex.Candidate> candidates = new ArrayList<>();
            Map<String, String> keyByName = new HashMap<>();
            // favg: a compensated (Kahan) sum, whose last bit, unlike a plain sum's, does not
            // depend on agg's row order (threads, or the engine that built it) in practice.
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT k, count(*), min(v), max(v), favg(v) FROM agg"
                                            + " WHERE "
                                            + stored("v")
                                            + " GROUP BY k")) {
                while (rs.next()) {
                    String name = prefix + rs.getString(1);
                    keyByName.put(name, rs.getString(1));
                    candidates.add(
                            new FeatureIndex.Candidate(
                                    name,
                                    rs.getLong(2),
                                    rs.getDouble(3),
                                    rs.getDouble(4),
                                    rs.getDouble(5)));
                }
            }
            FeatureCatalog previous = previousCatalog(store, task.asOf());
            List<FeatureCatalog.Feature> features =
                    FeatureIndex.assign(
                            candidates,
                            p.minEntities(),
                            p.maxFeatures(),
                            FeatureIndex.indices(previous));

            exec(c, "CREATE TABLE feat(k VARCHAR, idx INTEGER)");
            try (DuckDBAppender app = c.createAppender("main", "feat")) {
                for (FeatureCatalog.Feature f : features) {
                    app.beginRow().append(keyByName.get(f.name())).append(f.index()).endRow();
                }
            }
            // Entities get dense integer ids and the kept non-zeros shrink to (eid, idx, val):
            // grouping integers is far cheaper than grouping strings, and the wide agg table can
            // go before the lists are built.
            exec(
                    c,
                    "CREATE TABLE ents AS SELECT e, CAST(row_number() OVER (ORDER BY e) - 1 AS"
                            + " INTEGER) AS eid FROM (SELECT DISTINCT e FROM agg)",
                    files);
            exec(
                    c,
                    "CREATE TABLE nz AS SELECT x.eid, f.idx, CAST(a.v AS FLOAT) AS v FROM agg a"
                            + " JOIN feat f ON a.k = f.k JOIN ents x ON a.e = x.e WHERE "
                            + stored("a.v"),
                    files);
            exec(c, "DROP TABLE agg");
            long pairs = queryLong(c, "SELECT count(*) FROM nz", files);
            // One pass per bucket of entities keeps the list aggregation within the memory
            // limit; each pass writes its own sparse-<b>.parquet. Sorting a list of (index,
            // value) structs is far cheaper than an ordered aggregate (list(x ORDER BY y)).
            int passes = (int) Math.max(1, (pairs + passPairs - 1) / passPairs);
            for (int b = 0; b < passes; b++) {
                String bucket = passes == 1 ? "" : " WHERE %s.eid %% " + passes + " = " + b;
                exec(
                        c,
                        "COPY (SELECT x.e AS entity,"
                                + " coalesce(list_transform(g.s, y -> y.i), []::INTEGER[]) AS idx,"
                                + " coalesce(list_transform(g.s, y -> y.v), []::FLOAT[]) AS val"
                                + " FROM ents x LEFT JOIN (SELECT eid, list_sort(list({'i': idx,"
                                + " 'v': v})) AS s FROM nz"
                                + String.format(bucket, "nz")
                                + " GROUP BY eid) g ON x.eid = g.eid"
                                + String.format(bucket, "x")
                                + " ORDER BY x.e) TO "
                                + RelSql.literal(stage.resolve("sparse-" + b + ".parquet"))
                                + " (FORMAT parquet)",
                        files);
            }
            String sparse = RelSql.literal(stage.resolve(SparseTables.PARTS));
            log("sparse table written at %.2f s", (System.nanoTime() - start) / 1e9);
            long entities;
            long nonZeros;
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*), coalesce(sum(len(idx)), 0) FROM read_parquet("
                                            + sparse
                                            + ")")) {
                rs.next();
                entities = rs.getLong(1);
                nonZeros = rs.getLong(2);
            }
            double cells = (double) entities * features.size();
            double sparsity = cells == 0 ? 1.0 : 1.0 - nonZeros / cells;

            new FeatureCatalog(task.entity(), task.asOf(), features).write(stage);
            boolean wide =
                    task.wideExportMaxFeatures() > 0
                            && !features.isEmpty()
                            && features.size() <= task.wideExportMaxFeatures()
                            && wideColumnsDistinct(features);
            if (wide) {
                writeWide(c, sparse, stage.resolve(WIDE_FILE), features);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Result r =
                    new Result(
                            sourceRows,
                            filteredRows,
                            entities,
                            features.size(),
                            nonZeros,
                            sparsity,
                            seconds,
                            partitions,
                            wide);
            Map<String, Object> stats = new LinkedHashMap<>();
            stats.put("asOf", task.asOf());
            stats.putAll(r.figures());
            stats.put("partitions", r.partitions);
            TaskJson.MAPPER
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(stage.resolve(STATS_FILE).toFile(), stats);
            Validation.check(task.validation(), r.entities, features, sparsity);
            return r;
        } catch (SQLException e) {
            throw failure(e, files);
        }
    }

    /** Which aggregated values the sparse table stores: non-null, finite, non-zero. */
    private static String stored(String v) {
        return v + " IS NOT NULL AND " + v + " <> 0 AND isfinite(" + v + ")";
    }

    /** Reads every file's Parquet footer: a corrupt file fails as CorruptFile naming it. */
    public static void checkParquetFooters(DuckDBConnection c, List<Path> files) {
        for (Path f : files) {
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*) FROM parquet_file_metadata("
                                            + RelSql.literal(f)
                                            + ")")) {
                rs.next();
            } catch (SQLException e) {
                throw corrupt(f, e);
            }
        }
    }

    private static void loadFiles(DuckDBConnection c, List<Path> files, String format, boolean last)
            throws SQLException {
        if (format.equals("parquet")) {
            checkParquetFooters(c, files);
            exec(
                    c,
                    "CREATE VIEW src AS SELECT * FROM read_parquet("
                            + RelSql.fileList(files)
                            + ", union_by_name = true"
                            + (last ? ", filename = '__file', file_row_number = true" : "")
                            + ")");
        } else {
            // A table keeps the read order in rowid, which 'last' needs for CSV.
            exec(
                    c,
                    "CREATE TABLE src AS SELECT * FROM read_csv("
                            + RelSql.fileList(files)
                            + ", union_by_name = true, header = true"
                            + (last ? ", parallel = false" : "")
                            + ")",
                    files);
        }
    }

    private static void checkNumeric(
            DuckDBConnection c, String value, String type, List<Path> files) throws SQLException {
        if (NUMERIC.matcher(type).matches()) {
            return;
        }
        if (type.equals("VARCHAR")) {
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT "
                                            + RelSql.ident(value)
                                            + " FROM src WHERE "
                                            + RelSql.ident(value)
                                            + " IS NOT NULL AND TRY_CAST("
                                            + RelSql.ident(value)
                                            + " AS DOUBLE) IS NULL LIMIT 1")) {
                if (!rs.next()) {
                    return;
                }
                throw nonNumeric(value, rs.getString(1));
            } catch (SQLException e) {
                throw failure(e, files);
            }
        }
        throw notNumeric(value, type);
    }

    /** The {@code pivot.value} column holds {@code sample}, which is no number. */
    public static TaskFailure nonNumeric(String value, String sample) {
        return TaskFailure.invalid(
                "NonNumericValue",
                "pivot.value column '"
                        + value
                        + "' holds a non-numeric value '"
                        + abbreviate(sample)
                        + "'");
    }

    /** The {@code pivot.value} column's type is no number type. */
    public static TaskFailure notNumeric(String value, String type) {
        return TaskFailure.invalid(
                "NonNumericValue",
                "pivot.value column '" + value + "' has type " + type + ", not a number");
    }

    /** Fails EmptySource when the window's partitions hold no data file. */
    public static void requireFiles(PivotTask task, Partitions.Resolved resolved) {
        if (resolved.count() == 0) {
            throw TaskFailure.invalid(
                    "EmptySource",
                    "no "
                            + Partitions.format(task.source().format())
                            + " files in the "
                            + resolved.partitions()
                            + " partition(s) of source.uri "
                            + task.source().uri());
        }
    }

    /** The source read no row (for a file source: in the window's partitions). */
    public static TaskFailure noSourceRows(Partitions.Resolved resolved) {
        return TaskFailure.invalid(
                "EmptySource",
                "the source has no rows"
                        + (resolved == null
                                ? ""
                                : " in the "
                                        + resolved.partitions()
                                        + " partition(s) of the window"));
    }

    /**
     * The source columns a task names, each checked against the source's {@code columns} (a missing
     * one fails naming its field); {@code value} and {@code time} are null when not given.
     */
    public record SourceColumns(String entity, String key, String value, String time) {

        public static SourceColumns of(Map<String, String> columns, PivotTask task) {
            PivotTask.Pivot p = task.pivot();
            String time = Partitions.blankToNull(task.source().timeColumn());
            return new SourceColumns(
                    requireColumn(columns, task.entity(), "entity"),
                    requireColumn(columns, p.key(), "pivot.key"),
                    p.value() == null || p.value().isBlank()
                            ? null
                            : requireColumn(columns, p.value(), "pivot.value"),
                    time == null ? null : requireColumn(columns, time, "source.timeColumn"));
        }
    }

    /**
     * Loads {@code filters.excludeEntities} into table {@code excluded(e VARCHAR)}; false when
     * there is nothing to exclude. A missing list or column fails naming the field.
     */
    public static boolean loadExclusions(DuckDBConnection c, PivotTask.Filters filters)
            throws SQLException {
        if (filters == null
                || filters.excludeEntities() == null
                || filters.excludeEntities().isEmpty()) {
            return false;
        }
        exec(c, "CREATE TABLE excluded(e VARCHAR)");
        List<PivotTask.EntityList> lists = filters.excludeEntities();
        for (int i = 0; i < lists.size(); i++) {
            PivotTask.EntityList list = lists.get(i);
            String field = "filters.excludeEntities[" + i + "]";
            Path path = Uris.toPath(list.uri(), field + ".uri");
            String format = list.format();
            if (format == null || format.isBlank()) {
                String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
                format = n.endsWith(".csv") || n.endsWith(".csv.gz") ? "csv" : "parquet";
            }
            format = Partitions.format(format);
            List<Path> files = Files.exists(path) ? Partitions.files(path, format) : List.of();
            if (files.isEmpty()) {
                throw TaskFailure.invalid(
                        "MissingEntityList",
                        field + ".uri " + list.uri() + " has no " + format + " file");
            }
            String reader =
                    format.equals("csv")
                            ? "read_csv(" + RelSql.fileList(files) + ", header = true)"
                            : "read_parquet(" + RelSql.fileList(files) + ")";
            exec(c, "CREATE OR REPLACE TEMP VIEW excl_src AS SELECT * FROM " + reader, files);
            Map<String, String> cols = describe(c, "excl_src");
            String column = list.column() == null ? "" : list.column();
            if (!cols.containsKey(column)) {
                throw TaskFailure.invalid(
                        "MissingColumn",
                        field
                                + ".column '"
                                + column
                                + "' not found in "
                                + list.uri()
                                + "; columns: "
                                + String.join(", ", cols.keySet()));
            }
            exec(
                    c,
                    "INSERT INTO excluded SELECT DISTINCT CAST("
                            + RelSql.ident(column)
                            + " AS VARCHAR) FROM excl_src WHERE "
                            + RelSql.ident(column)
                            + " IS NOT NULL",
                    files);
        }
        return true;
    }

    /** DuckDB column names ignore case: the wide export needs names distinct that way. */
    static boolean wideColumnsDistinct(List<FeatureCatalog.Feature> features) {
        Set<String> seen = new java.util.HashSet<>();
        seen.add("entity");
        for (FeatureCatalog.Feature f : features) {
            if (!seen.add(f.name().toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    private static void writeWide(
            DuckDBConnection c, String sparse, Path wide, List<FeatureCatalog.Feature> features)
            throws SQLException {
        StringBuilder sql = new StringBuilder("COPY (SELECT entity");
        for (FeatureCatalog.Feature f : features) {
            sql.append(", coalesce(val[list_position(idx, ")
                    .append(f.index())
                    .append(")], 0) AS ")
                    .append(RelSql.ident(f.name()));
        }
        sql.append(" FROM read_parquet(")
                .append(sparse)
                .append(") ORDER BY entity) TO ")
                .append(RelSql.literal(wide))
                .append(" (FORMAT parquet)");
        exec(c, sql.toString());
    }

    private static FeatureCatalog previousCatalog(VersionedStore store, String asOf)
            throws IOException {
        var prev = store.previous(asOf);
        if (prev.isEmpty()) {
            return null;
        }
        Path file = store.fetch(prev.get(), FeatureCatalog.FILE);
        return Files.exists(file) ? FeatureCatalog.read(file.getParent()) : null;
    }

    /** An in-memory DuckDB with this runner's memory limit and threads, spilling to {@code tmp}. */
    public DuckDBConnection open(Path tmp) throws IOException {
        try {
            DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
            String threads = env.apply(THREADS_ENV);
            int n =
                    threads == null
                            ? Math.max(1, Runtime.getRuntime().availableProcessors())
                            : Integer.parseInt(threads.trim());
            String memory = env.apply(MEMORY_ENV);
            exec(c, "SET threads = " + n);
            exec(c, "SET memory_limit = " + SparseTables.literal(memory == null ? "1GB" : memory));
            exec(c, "SET temp_directory = " + RelSql.literal(tmp));
            exec(c, "SET TimeZone = 'UTC'");
            return c;
        } catch (SQLException | NumberFormatException e) {
            throw new IOException("cannot start DuckDB: " + e.getMessage(), e);
        }
    }

    private static void checkTask(PivotTask t) {
        require(t.asOf(), "asOf");
        Partitions.parse(t.asOf(), "asOf");
        require(t.entity(), "entity");
        if (t.source() == null) {
            throw TaskFailure.invalid("MissingField", "source is required");
        }
        boolean hasUri = t.source().uri() != null && !t.source().uri().isBlank();
        if (hasUri == (t.source().jdbc() != null)) {
            throw TaskFailure.invalid(
                    "InvalidSource", "give exactly one of source.uri and source.jdbc");
        }
        if (t.pivot() == null) {
            throw TaskFailure.invalid("MissingField", "pivot is required");
        }
        require(t.pivot().key(), "pivot.key");
        require(t.pivot().aggregate(), "pivot.aggregate");
        String agg = aggregate(t);
        if (!AGGREGATES.contains(agg)) {
            throw TaskFailure.invalid(
                    "InvalidAggregate",
                    "pivot.aggregate '"
                            + t.pivot().aggregate()
                            + "' is not one of sum, count, max, min, mean, last");
        }
        if (!agg.equals("count") && (t.pivot().value() == null || t.pivot().value().isBlank())) {
            throw TaskFailure.invalid(
                    "MissingField", "pivot.value is required for aggregate " + agg);
        }
        if (t.store() == null) {
            throw TaskFailure.invalid("MissingField", "store is required");
        }
        require(t.store().uri(), "store.uri");
    }

    /** The task's pivot.aggregate, lower-cased. */
    public static String aggregate(PivotTask task) {
        return task.pivot().aggregate().toLowerCase(Locale.ROOT);
    }

    /** The task's filters.where, or null where there is none. */
    public static String where(PivotTask task) {
        return task.filters() == null ? null : Partitions.blankToNull(task.filters().where());
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw TaskFailure.invalid("MissingField", field + " is required");
        }
    }

    private static String requireColumn(Map<String, String> columns, String name, String field) {
        if (name == null || !columns.containsKey(name)) {
            throw TaskFailure.invalid(
                    "MissingColumn",
                    field
                            + " column '"
                            + name
                            + "' not found in the source; its columns: "
                            + String.join(", ", columns.keySet()));
        }
        return name;
    }

    private static Map<String, String> describe(DuckDBConnection c, String relation)
            throws SQLException {
        Map<String, String> cols = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("DESCRIBE " + relation)) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (!name.equals("__file") && !name.equals("file_row_number")) {
                    cols.put(name, rs.getString(2));
                }
            }
        }
        return cols;
    }

    private static long queryLong(DuckDBConnection c, String sql, List<Path> files) {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure(e, files);
        }
    }

    private static void exec(DuckDBConnection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static void exec(DuckDBConnection c, String sql, List<Path> files) {
        try {
            exec(c, sql);
        } catch (SQLException e) {
            throw failure(e, files);
        }
    }

    /** Names the file when DuckDB's error points at one, else reports the query failure. */
    static TaskFailure failure(SQLException e, List<Path> files) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        for (Path f : files) {
            if (msg.contains(f.toString()) || msg.contains(f.getFileName().toString())) {
                return corrupt(f, e);
            }
        }
        if (msg.contains("Conversion Error") || msg.contains("Could not convert")) {
            return TaskFailure.invalid("NonNumericValue", WhereFilter.firstLine(msg));
        }
        return new TaskFailure(Summary.Outcome.Failed, "QueryFailed", WhereFilter.firstLine(msg));
    }

    private static TaskFailure corrupt(Path file, SQLException e) {
        return TaskFailure.invalid(
                "CorruptFile",
                "cannot read "
                        + Uris.fileUri(file, false)
                        + ": "
                        + WhereFilter.firstLine(e.getMessage()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    public static void log(String format, Object... args) {
        System.err.println("[pivot] " + String.format(Locale.ROOT, format, args));
    }
}
