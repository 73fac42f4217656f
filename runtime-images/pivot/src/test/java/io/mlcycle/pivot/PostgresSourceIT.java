package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

import static io.mlcycle.pivot.Fixtures.read;
import static io.mlcycle.pivot.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

@RealServersTier
class PostgresSourceIT {

    static PostgresServer pg;

    @TempDir Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        pg = PostgresServer.start();
        try (Connection c =
                        DriverManager.getConnection(
                                pg.url(), PostgresServer.USER, PostgresServer.PASSWORD);
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE events (user_id text, event_id text, cnt integer,"
                            + " ts timestamptz, channel text, score numeric(6,2))");
            st.execute(
                    "INSERT INTO events VALUES"
                            + " ('u1', 'a', 2, '2026-11-20 01:00:00+00', 'web', 1.5),"
                            + " ('u1', 'a', 5, '2026-11-20 03:00:00+00', 'web', 2.5),"
                            + " ('u1', 'b', 1, '2026-11-20 01:00:00+00', 'web', null),"
                            + " ('u2', 'a', 3, '2026-11-20 05:00:00+00', 'app', 0.25),"
                            + " ('u2', 'a', 1, '2026-11-20 02:00:00+00', 'app', 1),"
                            + " ('u3', 'b', 4, '2026-11-20 01:00:00+00', 'test', 3),"
                            + " ('u9', 'a', 8, '2026-11-19 23:00:00+00', 'web', 3)");
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    static final Map<String, String> ENV =
            Map.of("PG_USER", PostgresServer.USER, "PG_PASSWORD", PostgresServer.PASSWORD);

    Fixtures.TaskBuilder task(String table, String query) {
        var b = new Fixtures.TaskBuilder(null, tmp.resolve("store"));
        b.jdbc = new PivotTask.Jdbc(pg.url(), table, query, "PG_USER", "PG_PASSWORD");
        b.timeColumn = "ts";
        return b;
    }

    Summary run(PivotTask t, Map<String, String> env) throws Exception {
        return new PivotRunner(env::get).run(t);
    }

    TaskFailure fail(PivotTask t, Map<String, String> env) throws Exception {
        try {
            run(t, env);
        } catch (TaskFailure f) {
            return f;
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void tableSourceIsPivotedWithinTheWindow() throws Exception {
        var b = task("events", null);
        b.aggregate = "last";
        Summary s = run(b.build(), ENV);
        // u9's row lies before the window and is not even read
        assertThat(s.figures()).containsEntry("sourceRows", 6.0);
        assertThat(read(tmp.resolve("store/asOf=2026-11-21")))
                .isEqualTo(
                        Map.of(
                                "u1", Map.of("a", 5f, "b", 1f),
                                "u2", Map.of("a", 3f),
                                "u3", Map.of("b", 4f)));
        assertThat(TaskJson.writeSummary(s)).doesNotContain(PostgresServer.PASSWORD);
    }

    @Test
    void querySourceWithFiltersAndNumericValues() throws Exception {
        var b = task(null, "SELECT user_id, event_id, score, ts, channel FROM events");
        b.value = "score";
        b.where = "channel <> 'test'";
        b.timeColumn = null;
        Summary s = run(b.build(), ENV);
        assertThat(s.figures()).containsEntry("sourceRows", 7.0).containsEntry("filteredRows", 6.0);
        assertThat(read(tmp.resolve("store/asOf=2026-11-21")))
                .isEqualTo(
                        Map.of(
                                "u1", Map.of("a", 4f),
                                "u2", Map.of("a", 1.25f),
                                "u9", Map.of("a", 3f)));
    }

    @Test
    void credentialsComeOnlyFromTheEnvironmentAndNeverShow() throws Exception {
        TaskFailure missing = fail(task("events", null).build(), Map.of("PG_USER", "mlcycle"));
        assertThat(missing.reason()).isEqualTo("MissingCredentials");
        assertThat(missing.getMessage()).contains("PG_PASSWORD");

        String wrong = "wrong-pw-123";
        TaskFailure denied =
                fail(
                        task("events", null).build(),
                        Map.of("PG_USER", PostgresServer.USER, "PG_PASSWORD", wrong));
        assertThat(denied.reason()).isEqualTo("SourceUnavailable");
        assertThat(denied.getMessage()).contains("127.0.0.1").doesNotContain(wrong);
    }

    @Test
    void aMissingTableOrColumnFailsAndKeepsThePreviousVersion() throws Exception {
        run(task("events", null).build(), ENV);
        Map<Path, String> before = snapshot(tmp.resolve("store"));
        var b = task("no_such_table", null);
        b.asOf = "2026-11-22";
        TaskFailure f = fail(b.build(), ENV);
        assertThat(f.reason()).isEqualTo("SourceQueryFailed");
        assertThat(f.getMessage()).contains("no_such_table");

        var c = task(null, "SELECT user_id, event_id, ts FROM events");
        c.asOf = "2026-11-22";
        TaskFailure col = fail(c.build(), ENV);
        assertThat(col.reason()).isEqualTo("MissingColumn");
        assertThat(col.getMessage()).contains("pivot.value column 'cnt'");

        var d = task(null, "SELECT 1; DROP TABLE events");
        d.asOf = "2026-11-22";
        assertThat(fail(d.build(), ENV).reason()).isEqualTo("InvalidSource");
        assertThat(snapshot(tmp.resolve("store"))).isEqualTo(before);
        assertThat(new VersionedStore(tmp.resolve("store")).completeVersions())
                .containsExactly("2026-11-21");
    }
}
