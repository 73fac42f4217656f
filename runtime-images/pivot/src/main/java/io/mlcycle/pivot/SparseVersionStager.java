package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Progress;
import io.mlcycle.task.TaskJson;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

import static io.mlcycle.pivot.DuckDbSql.exec;
import static io.mlcycle.pivot.DuckDbSql.queryLong;
import static io.mlcycle.pivot.PivotRunner.log;

/**
 * The engine-independent part of a pivot: from {@code agg(e VARCHAR, k VARCHAR, v DOUBLE, n
 * BIGINT)} in a DuckDB connection (one row per entity and key: the aggregated value and the number
 * of source rows behind it) to the staged version: feature choice and indices (stable against the
 * previous version), the sparse parts, features.json, the wide export, stats.json, and the
 * validation rules. Every engine hands its aggregated table here, so the output is one code path.
 */
public final class SparseVersionStager {

    /** Non-zeros grouped into lists per pass; more non-zeros take more passes. */
    static final long PASS_PAIRS = 10_000_000;

    static final String WIDE_FILE = "wide.parquet";
    static final String STATS_FILE = "stats.json";

    private final long passPairs;

    /** With a smaller {@code passPairs} a test can exercise several output passes. */
    SparseVersionStager(long passPairs) {
        this.passPairs = passPairs;
    }

    /**
     * Stages the version from table {@code agg} in {@code c}. {@code files} only name a corrupt
     * file in an error.
     */
    public PivotRunner.Result stage(
            DuckDBConnection c,
            PivotTask task,
            VersionedStore store,
            Path stage,
            long sourceRows,
            int partitions,
            List<Path> files,
            long start)
            throws IOException {
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
            long aggregated = System.nanoTime();
            List<FeatureCatalog.Feature> features = chooseFeatures(c, task, store);
            long entities = indexNonZeros(c, features, files);
            long built = System.nanoTime();
            writeSparse(c, stage, entities, files);
            log("sparse table written at %.2f s", (System.nanoTime() - start) / 1e9);
            new FeatureCatalog(task.entity(), task.asOf(), features).write(stage);
            boolean wide = writeWideIfAsked(c, task, stage, features);
            long written = System.nanoTime();
            long[] counts = countSparse(c, stage);
            long nonZeros = counts[1];
            double cells = (double) counts[0] * features.size();
            double sparsity = cells == 0 ? 1.0 : 1.0 - nonZeros / cells;
            PivotRunner.Result r =
                    new PivotRunner.Result(
                            sourceRows,
                            filteredRows,
                            counts[0],
                            features.size(),
                            nonZeros,
                            sparsity,
                            (System.nanoTime() - start) / 1e9,
                            partitions,
                            wide);
            writeStats(task, stage, r);
            Validation.check(task.validation(), r.entities(), features, sparsity);
            log(
                    "steps aggregate=%.2f build=%.2f write=%.2f validate=%.2f s",
                    (aggregated - start) / 1e9,
                    (built - aggregated) / 1e9,
                    (written - built) / 1e9,
                    (System.nanoTime() - written) / 1e9);
            return r;
        } catch (SQLException e) {
            throw PivotFailures.failure(e, files);
        }
    }

    /** The kept features with their indices: support and ranking per key, stable indices. */
    private static List<FeatureCatalog.Feature> chooseFeatures(
            DuckDBConnection c, PivotTask task, VersionedStore store)
            throws SQLException, IOException {
        PivotTask.Pivot p = task.pivot();
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
        return features;
    }

    /**
     * Entities get dense integer ids in entity order and the kept non-zeros shrink to nz(eid, idx,
     * val), stored sorted by eid: grouping integers is far cheaper than grouping strings, grouping
     * rows that arrive group by group is several times cheaper again than grouping them in any
     * order, and a pass over a range of eids skips the other row groups by their min/max. The wide
     * agg table can go before the lists are built. Returns the number of entities.
     */
    private static long indexNonZeros(
            DuckDBConnection c, List<FeatureCatalog.Feature> features, List<Path> files)
            throws SQLException {
        DuckDbSql.exec(
                c,
                "CREATE TABLE ents AS SELECT e, CAST(row_number() OVER (ORDER BY e) - 1 AS"
                        + " INTEGER) AS eid FROM (SELECT DISTINCT e FROM agg)",
                files);
        DuckDbSql.exec(
                c,
                "CREATE TABLE nz AS SELECT x.eid, f.idx, CAST(a.v AS FLOAT) AS v FROM agg a"
                        + " JOIN feat f ON a.k = f.k JOIN ents x ON a.e = x.e WHERE "
                        + stored("a.v")
                        + " ORDER BY x.eid",
                files);
        exec(c, "DROP TABLE agg");
        return queryLong(c, "SELECT count(*) FROM ents", files);
    }

    /**
     * One pass per range of entities keeps the list aggregation within the memory limit; pass b
     * writes sparse-<b>.parquet with the b-th range, so the parts in order hold the entities in
     * order. Sorting a list of (index, value) structs is far cheaper than an ordered aggregate
     * (list(x ORDER BY y)); eid order is entity order.
     */
    private void writeSparse(DuckDBConnection c, Path stage, long entities, List<Path> files) {
        long pairs = queryLong(c, "SELECT count(*) FROM nz", files);
        int passes = (int) Math.max(1, (pairs + passPairs - 1) / passPairs);
        for (int b = 0; b < passes; b++) {
            String range =
                    passes == 1
                            ? ""
                            : " WHERE %1$s.eid >= "
                                    + entities * b / passes
                                    + " AND %1$s.eid < "
                                    + entities * (b + 1) / passes;
            DuckDbSql.exec(
                    c,
                    "COPY (SELECT x.e AS entity,"
                            + " coalesce(list_transform(g.s, y -> y.i), []::INTEGER[]) AS idx,"
                            + " coalesce(list_transform(g.s, y -> y.v), []::FLOAT[]) AS val"
                            + " FROM ents x LEFT JOIN (SELECT eid, list_sort(list({'i': idx,"
                            + " 'v': v})) AS s FROM nz"
                            + String.format(range, "nz")
                            + " GROUP BY eid) g ON x.eid = g.eid"
                            + String.format(range, "x")
                            + " ORDER BY x.eid) TO "
                            + RelSql.literal(stage.resolve("sparse-" + b + ".parquet"))
                            + " (FORMAT parquet)",
                    files);
        }
    }

    /** Entities and non-zeros of the staged sparse parts. */
    private static long[] countSparse(DuckDBConnection c, Path stage) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT count(*), coalesce(sum(len(idx)), 0) FROM read_parquet("
                                        + sparse(stage)
                                        + ")")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static String sparse(Path stage) {
        return RelSql.literal(stage.resolve(SparseTables.PARTS));
    }

    private static boolean writeWideIfAsked(
            DuckDBConnection c, PivotTask task, Path stage, List<FeatureCatalog.Feature> features)
            throws SQLException {
        boolean wide =
                task.wideExportMaxFeatures() > 0
                        && !features.isEmpty()
                        && features.size() <= task.wideExportMaxFeatures()
                        && wideColumnsDistinct(features);
        if (wide) {
            writeWide(c, sparse(stage), stage.resolve(WIDE_FILE), features);
        }
        return wide;
    }

    private static void writeStats(PivotTask task, Path stage, PivotRunner.Result r)
            throws IOException {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("asOf", task.asOf());
        stats.putAll(r.figures());
        stats.put("partitions", r.partitions());
        TaskJson.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValue(stage.resolve(STATS_FILE).toFile(), stats);
    }

    /** Which aggregated values the sparse table stores: non-null, finite, non-zero. */
    static String stored(String v) {
        return v + " IS NOT NULL AND " + v + " <> 0 AND isfinite(" + v + ")";
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
        DuckDbSql.exec(c, sql.toString());
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
}
