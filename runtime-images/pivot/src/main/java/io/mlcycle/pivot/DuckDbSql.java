package io.mlcycle.pivot;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * DuckDB as every engine's pivot uses it: the connection with the pod's limits, statements whose
 * errors name the file at fault, the Parquet footer check and the excluded-entities table.
 */
public final class DuckDbSql {

    private DuckDbSql() {}

    /**
     * An in-memory DuckDB with the pod's memory limit and threads, spilling to {@code tmp} at most
     * {@code MLCYCLE_STAGE_MAX_BYTES} (the pod's scratch space) when that is set: a spill beyond it
     * fails as ScratchSpaceExceeded instead of the pod being evicted.
     */
    public static DuckDBConnection open(Function<String, String> env, Path tmp) throws IOException {
        long scratch = scratchBytes(env);
        try {
            DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
            String threads = env.apply(PivotRunner.THREADS_ENV);
            int n =
                    threads == null
                            ? Math.max(1, Runtime.getRuntime().availableProcessors())
                            : Integer.parseInt(threads.trim());
            String memory = env.apply(PivotRunner.MEMORY_ENV);
            exec(c, "SET threads = " + n);
            exec(c, "SET memory_limit = " + SparseTables.literal(memory == null ? "1GB" : memory));
            exec(c, "SET temp_directory = " + RelSql.literal(tmp));
            if (scratch > 0) {
                exec(c, "SET max_temp_directory_size = '" + scratch + " bytes'");
            }
            exec(c, "SET TimeZone = 'UTC'");
            return c;
        } catch (SQLException | NumberFormatException e) {
            throw new IOException("cannot start DuckDB: " + e.getMessage(), e);
        }
    }

    /** {@code MLCYCLE_STAGE_MAX_BYTES} as a byte count, 0 when unset. */
    static long scratchBytes(Function<String, String> env) {
        String v = env.apply(PodEnv.STAGE_MAX_BYTES);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw TaskFailure.invalid(
                    "InvalidStageLimit",
                    PodEnv.STAGE_MAX_BYTES + " '" + v + "' is not a byte count");
        }
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
                throw PivotFailures.corrupt(f, e);
            }
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

    static Map<String, String> describe(DuckDBConnection c, String relation) throws SQLException {
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

    static long queryLong(DuckDBConnection c, String sql, List<Path> files) {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw PivotFailures.failure(e, files);
        }
    }

    static void exec(DuckDBConnection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static void exec(DuckDBConnection c, String sql, List<Path> files) {
        try {
            exec(c, sql);
        } catch (SQLException e) {
            throw PivotFailures.failure(e, files);
        }
    }
}
