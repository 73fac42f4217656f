package io.mlcycle.bench.scale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generator: the same size gives the same data, and the signal is where it was planted. */
class PopulationTest {

    @TempDir Path root;

    static final Population SMALL = new Population(3_000, 200, 10);

    /** A digest of the whole log and labels, independent of row order within a file. */
    static String content(Path dir) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT (SELECT count(*) || ':' || sum(hash(user_id, event_id, cnt, ts))"
                                        + " FROM read_parquet('"
                                        + dir
                                        + "/events/*/part-0.parquet')) || '/' ||"
                                        + " (SELECT count(*) || ':' || sum(hash(user_id, returned))"
                                        + " FROM read_csv('"
                                        + Population.labels(dir)
                                        + "'))")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void theSameSizeGivesTheSameLogAndLabels() throws Exception {
        SMALL.generate(root.resolve("a"));
        SMALL.generate(root.resolve("b"));
        new Population(3_000, 200, 11).generate(root.resolve("c"));

        assertThat(content(root.resolve("a"))).isEqualTo(content(root.resolve("b")));
        assertThat(content(root.resolve("a"))).isNotEqualTo(content(root.resolve("c")));
        for (int day = 14; day < 21; day++) {
            assertThat(root.resolve("a/events/dt=2026-11-" + day + "/_SUCCESS")).exists();
        }
    }

    @Test
    void signalIdsAreTwiceAsFrequentAmongPositivesAndBackgroundIdsIndependent() throws Exception {
        Path dir = root.resolve("p");
        SMALL.generate(dir);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "WITH l AS (SELECT * FROM read_csv('"
                                        + Population.labels(dir)
                                        + "')), e AS (SELECT * FROM read_parquet('"
                                        + dir
                                        + "/events/*/part-0.parquet'))"
                                        + " SELECT avg(returned),"
                                        + " (SELECT count(*) FROM e JOIN l USING (user_id)"
                                        + "   WHERE returned = 1 AND event_id LIKE 'sig_%')"
                                        + "   / sum(returned) / 5.0,"
                                        + " (SELECT count(*) FROM e JOIN l USING (user_id)"
                                        + "   WHERE returned = 0 AND event_id LIKE 'sig_%')"
                                        + "   / sum(1 - returned) / 5.0,"
                                        + " (SELECT count(*) FROM e WHERE event_id LIKE 'ev_%'),"
                                        + " (SELECT count(DISTINCT user_id) FROM e)"
                                        + " FROM l")) {
            rs.next();
            assertThat(rs.getDouble(1)).isBetween(0.27, 0.33);
            assertThat(rs.getDouble(2)).isBetween(0.45, 0.55);
            assertThat(rs.getDouble(3)).isBetween(0.22, 0.28);
            assertThat(rs.getLong(4)).isEqualTo(3_000L * 10);
            assertThat(rs.getLong(5)).isEqualTo(3_000L);
        }
    }

    @Test
    void refusesANonPositiveSizeNamingIt() {
        assertThatThrownBy(() -> new Population(0, 5, 5)).hasMessageContaining("got 0, 5, 5");
        assertThat(Files.exists(root.resolve("nothing"))).isFalse();
    }
}
