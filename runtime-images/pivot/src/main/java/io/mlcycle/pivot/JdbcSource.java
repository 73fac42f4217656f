package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Streams a PostgreSQL table or query into a DuckDB table through the PostgreSQL JDBC driver and a
 * DuckDB appender. Credentials come from the environment variables the task names; neither they nor
 * the connection parameters are ever logged or reported.
 */
final class JdbcSource {

    private static final Pattern TABLE =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final int FETCH = 10_000;

    private enum Kind {
        BOOL("BOOLEAN"),
        LONG("BIGINT"),
        DOUBLE("DOUBLE"),
        DATE("DATE"),
        TIMESTAMP("TIMESTAMP"),
        TIMESTAMPTZ("TIMESTAMP"),
        TEXT("VARCHAR");

        final String duckType;

        Kind(String duckType) {
            this.duckType = duckType;
        }
    }

    private JdbcSource() {}

    /**
     * Copies the rows (restricted to the window on {@code timeColumn} when given) into DuckDB table
     * {@code target}; returns the number of rows. Timestamps with time zone are stored in UTC.
     */
    static long load(
            DuckDBConnection duck,
            String target,
            PivotTask.Jdbc jdbc,
            String timeColumn,
            PivotTask.Window window,
            Function<String, String> env) {
        String url = jdbc.url();
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw TaskFailure.invalid(
                    "UnsupportedSource",
                    "source.jdbc.url must be a jdbc:postgresql: URL, got '" + redact(url) + "'");
        }
        String base = baseQuery(jdbc);
        Properties props = new Properties();
        putCredential(props, "user", jdbc.userEnv(), "source.jdbc.userEnv", env);
        putCredential(props, "password", jdbc.passwordEnv(), "source.jdbc.passwordEnv", env);
        String sql = "SELECT * FROM (" + base + ") AS src";
        boolean windowed = timeColumn != null && window != null && window.from() != null;
        if (windowed) {
            Partitions.dates(window);
            String t = "src." + RelSql.ident(timeColumn);
            sql += " WHERE " + t + " >= CAST(? AS date) AND " + t + " < CAST(? AS date)";
        }
        Connection pg;
        try {
            pg = DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "SourceUnavailable",
                    "cannot connect to "
                            + redact(url)
                            + ": "
                            + WhereFilter.firstLine(e.getMessage()));
        }
        try (pg) {
            pg.setAutoCommit(false);
            try (PreparedStatement ps = pg.prepareStatement(sql)) {
                ps.setFetchSize(FETCH);
                if (windowed) {
                    ps.setString(1, window.from());
                    ps.setString(2, window.to());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return copy(rs, duck, target);
                }
            }
        } catch (SQLException e) {
            String state = e.getSQLState();
            boolean missingColumn = "42703".equals(state);
            throw new TaskFailure(
                    missingColumn ? Summary.Outcome.Invalid : Summary.Outcome.Failed,
                    missingColumn ? "MissingColumn" : "SourceQueryFailed",
                    "reading source.jdbc "
                            + (jdbc.table() != null ? "table " + jdbc.table() : "query")
                            + " failed: "
                            + WhereFilter.firstLine(e.getMessage()));
        }
    }

    private static String baseQuery(PivotTask.Jdbc jdbc) {
        boolean hasTable = jdbc.table() != null && !jdbc.table().isBlank();
        boolean hasQuery = jdbc.query() != null && !jdbc.query().isBlank();
        if (hasTable == hasQuery) {
            throw TaskFailure.invalid(
                    "InvalidSource", "give exactly one of source.jdbc.table and source.jdbc.query");
        }
        if (hasTable) {
            if (!TABLE.matcher(jdbc.table()).matches()) {
                throw TaskFailure.invalid(
                        "InvalidSource",
                        "source.jdbc.table '" + jdbc.table() + "' is not a [schema.]table name");
            }
            List<String> parts = new ArrayList<>();
            for (String p : jdbc.table().split("\\.")) {
                parts.add(RelSql.ident(p));
            }
            return "SELECT * FROM " + String.join(".", parts);
        }
        String q = jdbc.query().strip();
        String head = q.toLowerCase();
        if (q.contains(";") || !(head.startsWith("select") || head.startsWith("with"))) {
            throw TaskFailure.invalid(
                    "InvalidSource", "source.jdbc.query must be one SELECT statement without ';'");
        }
        return q;
    }

    private static void putCredential(
            Properties props,
            String key,
            String envName,
            String field,
            Function<String, String> env) {
        if (envName == null || envName.isBlank()) {
            return;
        }
        String value = env.apply(envName);
        if (value == null) {
            throw TaskFailure.invalid(
                    "MissingCredentials",
                    "environment variable " + envName + " (" + field + ") is not set");
        }
        props.setProperty(key, value);
    }

    private static long copy(ResultSet rs, DuckDBConnection duck, String target)
            throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        Kind[] kinds = new Kind[n];
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            kinds[i - 1] = kind(md.getColumnType(i), md.getColumnTypeName(i));
            cols.add(RelSql.ident(md.getColumnLabel(i)) + " " + kinds[i - 1].duckType);
        }
        try (Statement st = duck.createStatement()) {
            st.execute("CREATE TABLE " + target + " (" + String.join(", ", cols) + ")");
        }
        long rows = 0;
        try (DuckDBAppender app = duck.createAppender("main", target)) {
            while (rs.next()) {
                app.beginRow();
                for (int i = 1; i <= n; i++) {
                    append(app, rs, i, kinds[i - 1]);
                }
                app.endRow();
                rows++;
            }
        }
        return rows;
    }

    private static Kind kind(int sqlType, String typeName) {
        if ("timestamptz".equalsIgnoreCase(typeName)) {
            return Kind.TIMESTAMPTZ;
        }
        return switch (sqlType) {
            case Types.BIT, Types.BOOLEAN -> Kind.BOOL;
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> Kind.LONG;
            case Types.REAL, Types.FLOAT, Types.DOUBLE, Types.NUMERIC, Types.DECIMAL -> Kind.DOUBLE;
            case Types.DATE -> Kind.DATE;
            case Types.TIMESTAMP -> Kind.TIMESTAMP;
            case Types.TIMESTAMP_WITH_TIMEZONE -> Kind.TIMESTAMPTZ;
            default -> Kind.TEXT;
        };
    }

    private static void append(DuckDBAppender app, ResultSet rs, int i, Kind kind)
            throws SQLException {
        switch (kind) {
            case BOOL -> {
                boolean v = rs.getBoolean(i);
                if (rs.wasNull()) {
                    app.appendNull();
                } else {
                    app.append(v);
                }
            }
            case LONG -> {
                long v = rs.getLong(i);
                if (rs.wasNull()) {
                    app.appendNull();
                } else {
                    app.append(v);
                }
            }
            case DOUBLE -> {
                double v = rs.getDouble(i);
                if (rs.wasNull()) {
                    app.appendNull();
                } else {
                    app.append(v);
                }
            }
            case DATE -> {
                LocalDate v = rs.getObject(i, LocalDate.class);
                if (v == null) {
                    app.appendNull();
                } else {
                    app.append(v);
                }
            }
            case TIMESTAMP -> {
                LocalDateTime v = rs.getObject(i, LocalDateTime.class);
                if (v == null) {
                    app.appendNull();
                } else {
                    app.append(v);
                }
            }
            case TIMESTAMPTZ -> {
                OffsetDateTime v = rs.getObject(i, OffsetDateTime.class);
                if (v == null) {
                    app.appendNull();
                } else {
                    app.append(v.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime());
                }
            }
            case TEXT -> {
                String v = rs.getString(i);
                if (v == null) {
                    app.appendNull();
                } else {
                    app.append(v);
                }
            }
        }
    }

    /** The URL without its parameters (which may carry secrets a user put there). */
    static String redact(String url) {
        if (url == null) {
            return "null";
        }
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?…";
    }
}
