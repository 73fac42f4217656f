package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

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

    private static final Set<String> AGGREGATES =
            Set.of("sum", "count", "max", "min", "mean", "last");

    private final Function<String, String> env;

    private final SparseVersionStager stager;

    public PivotRunner(Function<String, String> env) {
        this(env, SparseVersionStager.PASS_PAIRS);
    }

    /** With a smaller {@code passPairs} a test can exercise several output passes. */
    PivotRunner(Function<String, String> env, long passPairs) {
        this.env = env;
        this.stager = new SparseVersionStager(passPairs);
    }

    /** The stager every engine hands its aggregated table to. */
    public SparseVersionStager stager() {
        return stager;
    }

    /** An in-memory DuckDB with the pod's memory limit and threads, spilling to {@code tmp}. */
    public DuckDBConnection open(Path tmp) throws IOException {
        return DuckDbSql.open(env, tmp);
    }

    /**
     * How an engine turns a checked task into the files of a staged version. DuckDB's is {@link
     * DuckDbEngine}; another engine computes the aggregated long table its own way and hands it to
     * {@link #stager()} so indexing, validation and the output files stay one code path.
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

    /**
     * Materializes the task's version with DuckDB; throws {@link TaskFailure} with a clear reason.
     */
    public Summary run(PivotTask task) throws IOException {
        return run(task, new DuckDbEngine(env, stager), null);
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
        // an unreachable catalog or a foreign table fails here, before any work
        LakeTable lake = task.store().iceberg() ? LakePublish.open(task, env) : null;
        Path stage = store.stage(asOf);
        Path tmp = Files.createTempDirectory(store.root(), ".duckdb-tmp-");
        try {
            Result r = engine.materialize(task, store, resolved, stage, tmp, start);
            List<String> columns = columns(stage);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put(PivotSummary.AS_OF, asOf);
            if (engineName != null) {
                details.put(PivotSummary.ENGINE, engineName);
            }
            details.put(PivotSummary.PARTITIONS, r.partitions);
            details.put(PivotSummary.WIDE_EXPORT, r.wide);
            if (columns != null) {
                // the operator checks a served model's features against them
                details.put(PivotSummary.COLUMNS, columns);
            }
            OnlineWrite.Source online;
            String uri;
            List<String> pruned;
            if (lake != null) {
                LakePublish.Published p = LakePublish.publish(lake, task, stage);
                online = OnlineWrite.Source.snapshot(p.plan());
                uri = p.uri();
                pruned = p.pruned();
                details.put(PivotSummary.TABLE, p.plan().table());
                details.put(PivotSummary.SNAPSHOT_ID, p.plan().snapshotId());
            } else {
                online = OnlineWrite.Source.directory(store.publish(stage, asOf));
                uri = store.versionUri(asOf);
                pruned = store.prune(task.store().keep());
            }
            log(
                    "published %s: %d entities × %d features, %d non-zeros in %.1f s",
                    uri, r.entities, r.features, r.nonZeros, r.seconds);
            if (!pruned.isEmpty()) {
                details.put(PivotSummary.PRUNED, pruned);
            }
            Summary offline = Summary.succeeded(uri, r.figures(), details);
            // after the publish: an online failure reports, it never undoes the offline table
            return task.online() == null ? offline : OnlineWrite.write(task, online, offline, env);
        } catch (RuntimeException | IOException e) {
            VersionedStore.discard(stage);
            throw e;
        } finally {
            VersionedStore.discard(tmp);
        }
    }

    /** The staged table's column names for the summary, or null when they do not fit it. */
    static List<String> columns(Path stage) throws IOException {
        if (!Files.exists(stage.resolve(FeatureCatalog.FILE))) {
            return null;
        }
        return PivotSummary.columnsDetail(
                FeatureCatalog.read(stage).features().stream()
                        .map(FeatureCatalog.Feature::name)
                        .toList());
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
        String format = t.store().format();
        if (format != null
                && !format.equals(TableCatalog.FORMAT_PARQUET)
                && !format.equals(TableCatalog.FORMAT_ICEBERG)) {
            throw TaskFailure.invalid(
                    "InvalidStoreFormat",
                    "store.format '"
                            + format
                            + "' is not one of "
                            + TableCatalog.FORMAT_PARQUET
                            + ", "
                            + TableCatalog.FORMAT_ICEBERG);
        }
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

    public static void log(String format, Object... args) {
        System.err.println("[pivot] " + String.format(Locale.ROOT, format, args));
    }
}
