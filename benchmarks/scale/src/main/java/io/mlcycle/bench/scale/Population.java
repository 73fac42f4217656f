package io.mlcycle.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;

/**
 * A seeded population: a week of long event logs (user_id, event_id, cnt, ts) in daily Parquet
 * partitions with {@code _SUCCESS} markers, and a label per user with a planted signal. Every value
 * is DuckDB's {@code hash()} of the row number and a stream number, so the same size gives the same
 * files on any machine.
 *
 * <p>Each user has {@code eventsPerEntity} background events whose ids follow a Zipf law over
 * {@code features} ids ({@code ev_0} most frequent), independent of the label, and each of the
 * {@value #SIGNALS} signal ids ({@code sig_0..}) with probability 1/2 for a positive user and 1/4
 * for a negative one (30% positives): the signal ids carry all of the label's information.
 *
 * @param entities users
 * @param features background event ids
 * @param eventsPerEntity background events per user (the log's rows are about this times users)
 */
public record Population(long entities, int features, int eventsPerEntity) {

    static final int SIGNALS = 5;
    static final String FROM = "2026-11-14";
    static final String AS_OF = "2026-11-21";
    static final int DAYS = 7;

    public Population {
        if (entities < 1 || features < 1 || eventsPerEntity < 1) {
            throw new IllegalArgumentException(
                    "entities, features and eventsPerEntity must be positive, got "
                            + entities
                            + ", "
                            + features
                            + ", "
                            + eventsPerEntity);
        }
    }

    /** The directory name of this size (the input is generated once per size and reused). */
    String name() {
        return "population-" + entities + "x" + features + "x" + eventsPerEntity;
    }

    /** Source URI template of the pivot task (one partition per day). */
    static String sourceTemplate(Path dir) {
        return dir.resolve("events").toUri() + "dt={date}/";
    }

    static Path labels(Path dir) {
        return dir.resolve("labels.csv");
    }

    /** Writes the log and labels under {@code dir} unless a complete copy is there already. */
    void generate(Path dir) throws IOException, SQLException {
        if (Files.exists(dir.resolve("_DONE"))) {
            return;
        }
        deleteRecursively(dir);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement()) {
            st.execute("SET threads = 2");
            st.execute("SET memory_limit = '2GB'");
            st.execute("SET preserve_insertion_order = false");
            for (int day = 0; day < DAYS; day++) {
                String date = String.format(Locale.ROOT, "2026-11-%02d", 14 + day);
                Path part = dir.resolve("events").resolve("dt=" + date);
                Files.createDirectories(part);
                long from = entities * day / DAYS;
                long to = entities * (day + 1) / DAYS;
                st.execute(
                        "COPY ("
                                + background(from, to, date)
                                + " UNION ALL "
                                + signal(from, to, date)
                                + ") TO '"
                                + part.resolve("part-0.parquet")
                                + "' (FORMAT parquet)");
                Files.writeString(part.resolve("_SUCCESS"), "");
            }
            st.execute(
                    "COPY (SELECT "
                            + user("e")
                            + " AS user_id, "
                            + positive("e")
                            + "::INTEGER AS returned FROM range(0, "
                            + entities
                            + ") r(e)) TO '"
                            + labels(dir)
                            + "' (HEADER, DELIMITER ',')");
        }
        Files.writeString(dir.resolve("_DONE"), "");
    }

    static String user(String e) {
        return "'u' || lpad(CAST(" + e + " AS VARCHAR), 9, '0')";
    }

    /** 30% of users are positive. */
    static String positive(String e) {
        return "(hash(" + e + ", 7) % 1000 < 300)";
    }

    /** Users [from, to) each with eventsPerEntity Zipf-distributed background events. */
    private String background(long from, long to, String date) {
        long n = eventsPerEntity;
        return "SELECT "
                + user("i // " + n)
                + " AS user_id, 'ev_' || CAST(least(floor(exp((hash(i, 2) % 1000000) / 1e6 * ln("
                + (features + 1)
                + "))) - 1, "
                + (features - 1)
                + ")::INTEGER AS VARCHAR) AS event_id, CAST(1 + hash(i, 3) % 5 AS INTEGER) AS cnt, "
                + ts("i", date)
                + " FROM range("
                + from * n
                + ", "
                + to * n
                + ") r(i)";
    }

    /** The planted events: signal id s with probability 1/2 (positive) or 1/4 (negative). */
    private static String signal(long from, long to, String date) {
        return "SELECT "
                + user("e")
                + " AS user_id, 'sig_' || CAST(s AS VARCHAR) AS event_id,"
                + " CAST(1 + hash(e, 20 + s) % 3 AS INTEGER) AS cnt, "
                + ts("e * 8 + s", date)
                + " FROM range("
                + from
                + ", "
                + to
                + ") r(e), range(0, "
                + SIGNALS
                + ") t(s) WHERE hash(e, 10 + s) % 1000 < CASE WHEN "
                + positive("e")
                + " THEN 500 ELSE 250 END";
    }

    private static String ts(String i, String date) {
        return "TIMESTAMP '"
                + date
                + " 00:00:00' + to_seconds(CAST(hash("
                + i
                + ", 4) % 86400 AS BIGINT)) AS ts";
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
