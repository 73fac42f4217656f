package io.mlcycle.common;

import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sparse feature table layout on disk: {@code sparse-*.parquet} files with columns {@code
 * entity VARCHAR, idx INTEGER[], val FLOAT[]} (indices ascending, into {@code features.json}).
 */
public final class SparseTables {

    /** Glob of the sparse part files inside a version directory. */
    public static final String PARTS = "sparse-*.parquet";

    private SparseTables() {}

    /** One entity's non-zero features. */
    public record Row(String entity, int[] indices, float[] values) {}

    /** An in-memory DuckDB connection (each runtime process opens its own). */
    public static Connection duckdb() throws SQLException {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    /** SQL string literal. */
    public static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** The parquet glob of a version directory, as a SQL literal. */
    public static String partsGlob(Path versionDir) {
        return literal(versionDir.resolve(PARTS).toString());
    }

    /** Reads a version directory into CSR form; rows in file order. */
    public static SparseMatrix read(Path versionDir) throws IOException {
        FeatureCatalog catalog = FeatureCatalog.read(versionDir);
        try (Stream<Path> files = Files.list(versionDir)) {
            if (files.noneMatch(p -> p.getFileName().toString().matches("sparse-.*\\.parquet"))) {
                throw TaskFailure.invalid(
                        "MissingSparseTable", "no " + PARTS + " in " + versionDir);
            }
        }
        return read(partsGlob(versionDir), catalog, versionDir.toString());
    }

    /**
     * Reads the given sparse part files (an Iceberg scan's data files) into CSR form; rows in the
     * order of the files, then file order.
     */
    public static SparseMatrix read(List<Path> parts, FeatureCatalog catalog) throws IOException {
        if (parts.isEmpty()) {
            throw TaskFailure.invalid("MissingSparseTable", "the version has no data files");
        }
        String files =
                parts.stream()
                        .map(p -> literal(p.toString()))
                        .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
        return read(files, catalog, parts.get(0).getParent().toString());
    }

    private static SparseMatrix read(String filesSql, FeatureCatalog catalog, String versionDir)
            throws IOException {
        try (Connection c = duckdb();
                Statement st = c.createStatement()) {
            long rows;
            long nnz;
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT count(*), coalesce(sum(len(idx)), 0) FROM read_parquet("
                                    + filesSql
                                    + ")")) {
                rs.next();
                rows = rs.getLong(1);
                nnz = rs.getLong(2);
            }
            if (nnz > Integer.MAX_VALUE) {
                throw TaskFailure.invalid(
                        "TooLarge", versionDir + " has " + nnz + " non-zeros; the limit is 2^31");
            }
            String[] entities = new String[(int) rows];
            int[] rowPtr = new int[(int) rows + 1];
            int[] cols = new int[(int) nnz];
            float[] vals = new float[(int) nnz];
            int r = 0;
            int k = 0;
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT entity, idx, val FROM read_parquet(" + filesSql + ")")) {
                while (rs.next()) {
                    entities[r] = rs.getString(1);
                    Object[] idx = (Object[]) arrayOf(rs.getArray(2));
                    Object[] val = (Object[]) arrayOf(rs.getArray(3));
                    for (int j = 0; j < idx.length; j++) {
                        cols[k] = ((Number) idx[j]).intValue();
                        vals[k] = ((Number) val[j]).floatValue();
                        k++;
                    }
                    rowPtr[++r] = k;
                }
            }
            return new SparseMatrix(entities, rowPtr, cols, vals, catalog.size());
        } catch (SQLException e) {
            throw new IOException(
                    "cannot read sparse table " + versionDir + ": " + e.getMessage(), e);
        }
    }

    private static Object arrayOf(Array a) throws SQLException {
        return a == null ? new Object[0] : a.getArray();
    }

    /**
     * Writes rows as {@code <dir>/sparse-0.parquet} (for tests, generators and small outputs; the
     * pivot writes its table with SQL).
     */
    public static void write(Path dir, List<Row> rows) throws IOException {
        Files.createDirectories(dir);
        try (Connection c = duckdb();
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE long_rows(ord INTEGER, entity VARCHAR, idx INTEGER, val FLOAT)");
            try (var app = ((DuckDBConnection) c).createAppender("main", "long_rows")) {
                int ord = 0;
                for (Row row : rows) {
                    if (row.indices().length == 0) {
                        app.beginRow();
                        app.append(ord);
                        app.append(row.entity());
                        app.appendNull();
                        app.appendNull();
                        app.endRow();
                    }
                    for (int j = 0; j < row.indices().length; j++) {
                        app.beginRow();
                        app.append(ord);
                        app.append(row.entity());
                        app.append(row.indices()[j]);
                        app.append(row.values()[j]);
                        app.endRow();
                    }
                    ord++;
                }
            }
            st.execute(
                    "COPY (SELECT entity,"
                            + " coalesce(list(idx ORDER BY idx) FILTER (WHERE idx IS NOT NULL), []::INTEGER[]) AS idx,"
                            + " coalesce(list(val ORDER BY idx) FILTER (WHERE idx IS NOT NULL), []::FLOAT[]) AS val"
                            + " FROM long_rows GROUP BY ord, entity ORDER BY ord) TO "
                            + literal(dir.resolve("sparse-0.parquet").toString())
                            + " (FORMAT parquet)");
        } catch (SQLException e) {
            throw new IOException("cannot write sparse table " + dir + ": " + e.getMessage(), e);
        }
    }
}
