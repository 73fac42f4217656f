package io.mlcycle.pivot;

import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotTask;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import static io.mlcycle.pivot.DuckDbSql.exec;
import static io.mlcycle.pivot.PivotRunner.log;

/**
 * The embedded DuckDB engine: loads the window's files (or the JDBC query) as {@code src}, checks
 * the columns, filters, aggregates per (entity, key) into {@code agg} and hands it to the {@link
 * SparseVersionStager}.
 */
final class DuckDbEngine implements PivotRunner.Engine {

    private static final Pattern NUMERIC =
            Pattern.compile(
                    "U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN");

    private final Function<String, String> env;
    private final SparseVersionStager stager;

    DuckDbEngine(Function<String, String> env, SparseVersionStager stager) {
        this.env = env;
        this.stager = stager;
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
        String where = PivotRunner.where(task);
        List<Path> files = resolved == null ? List.of() : resolved.files();
        try (DuckDBConnection c = DuckDbSql.open(env, tmp)) {
            log("DuckDB ready after %.2f s", (System.nanoTime() - start) / 1e9);
            if (where != null) {
                WhereFilter.check(c, where);
            }
            boolean last = PivotRunner.aggregate(task).equals("last");
            load(c, task, resolved, files, last);
            exec(c, "SET preserve_insertion_order = false");
            Map<String, String> columns = DuckDbSql.describe(c, "src");
            SourceColumns cols = SourceColumns.of(columns, task);
            long sourceRows = DuckDbSql.queryLong(c, "SELECT count(*) FROM src", files);
            if (sourceRows == 0) {
                throw PivotFailures.noSourceRows(resolved);
            }
            if (cols.value() != null) {
                checkNumeric(c, cols.value(), columns.get(cols.value()), files);
            }
            boolean excluding = DuckDbSql.loadExclusions(c, task.filters());
            if (where != null) {
                WhereFilter.bind(c, "src", where);
            }
            boolean parquetView =
                    resolved != null && Partitions.format(task.source().format()).equals("parquet");
            DuckDbSql.exec(c, aggregateSql(task, cols, parquetView, excluding), files);
            return stager.stage(
                    c,
                    task,
                    store,
                    stage,
                    sourceRows,
                    resolved == null ? 0 : resolved.partitions(),
                    files,
                    start);
        } catch (SQLException e) {
            throw PivotFailures.failure(e, files);
        }
    }

    /** The source as {@code src}: the window's files, or the JDBC query's rows. */
    private void load(
            DuckDBConnection c,
            PivotTask task,
            Partitions.Resolved resolved,
            List<Path> files,
            boolean last)
            throws SQLException, IOException {
        if (resolved != null) {
            PivotFailures.requireFiles(task, resolved);
            loadFiles(c, files, Partitions.format(task.source().format()), last);
        } else {
            JdbcSource.load(
                    c, "src", task.source().jdbc(), task.source().timeColumn(), task.window(), env);
        }
    }

    /** {@code CREATE TABLE agg}: the filtered rows aggregated per (entity, key). */
    static String aggregateSql(
            PivotTask task, SourceColumns cols, boolean parquetView, boolean excluding) {
        String aggregate = PivotRunner.aggregate(task);
        String aggExpr =
                switch (aggregate) {
                    case "sum" -> "sum(v)";
                    case "count" -> cols.value() == null ? "count(*)" : "count(v)";
                    case "max" -> "max(v)";
                    case "min" -> "min(v)";
                    case "mean" -> "avg(v)";
                    default -> "arg_max(v, o)";
                };
        return "CREATE TABLE agg AS SELECT e, k, CAST("
                + aggExpr
                + " AS DOUBLE) AS v, count(*) AS n FROM ("
                + filteredSql(task, cols, aggregate.equals("last"), parquetView)
                + ") f"
                + (excluding ? " WHERE NOT EXISTS (SELECT 1 FROM excluded x WHERE x.e = f.e)" : "")
                + " GROUP BY e, k";
    }

    /** The source rows that pass the filters, as (e, k[, v][, o]). */
    private static String filteredSql(
            PivotTask task, SourceColumns cols, boolean last, boolean parquetView) {
        String where = PivotRunner.where(task);
        String time = cols.time();
        String v =
                cols.value() == null ? null : "CAST(" + RelSql.ident(cols.value()) + " AS DOUBLE)";
        List<String> conditions = new ArrayList<>();
        conditions.add(RelSql.ident(cols.entity()) + " IS NOT NULL");
        conditions.add(RelSql.ident(cols.key()) + " IS NOT NULL");
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
        return "SELECT CAST("
                + RelSql.ident(cols.entity())
                + " AS VARCHAR) AS e, CAST("
                + RelSql.ident(cols.key())
                + " AS VARCHAR) AS k"
                + (v == null ? "" : ", " + v + " AS v")
                + order
                + " FROM src WHERE "
                + String.join(" AND ", conditions);
    }

    private static void loadFiles(DuckDBConnection c, List<Path> files, String format, boolean last)
            throws SQLException {
        if (format.equals("parquet")) {
            DuckDbSql.checkParquetFooters(c, files);
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
                throw PivotFailures.nonNumeric(value, rs.getString(1));
            } catch (SQLException e) {
                throw PivotFailures.failure(e, files);
            }
        }
        throw PivotFailures.notNumeric(value, type);
    }
}
