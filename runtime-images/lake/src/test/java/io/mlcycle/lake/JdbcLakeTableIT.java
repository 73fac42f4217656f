package io.mlcycle.lake;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@RealServersTier
class JdbcLakeTableIT {

    static PostgresServer pg;

    @TempDir Path warehouse;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    private LakeCatalog jdbc(String url, String password, String table) {
        return new LakeCatalog(
                LakeCatalog.JDBC,
                "lake",
                url,
                warehouse.toUri().toString(),
                PostgresServer.USER,
                password,
                "features",
                table,
                null);
    }

    @Test
    void versionsCommittedThroughPostgresPlanByTagForDuckDbAndIcebergsReader() {
        LakeCatalog settings = jdbc(pg.url(), PostgresServer.PASSWORD, "items");
        LakeTable writer = LakeTable.openOrCreate(settings);
        List<SparseTables.Row> day1 = Versions.rows("a", 3, 1f);
        List<SparseTables.Row> day2 = Versions.rows("b", 2, 2f);
        ScanPlan first = Versions.commit(writer, "2026-11-20", "r1", day1);
        Versions.commit(writer, "2026-11-21", "r2", day2);

        LakeTable reader = LakeTable.openOrCreate(settings);

        assertThat(reader.plan("2026-11-20").snapshotId()).isEqualTo(first.snapshotId());
        assertThat(Versions.duckdb(reader.plan("2026-11-20"))).isEqualTo(Versions.expected(day1));
        assertThat(Versions.iceberg(reader.table(), first.snapshotId()))
                .isEqualTo(Versions.expected(day1));
        assertThat(Versions.duckdb(reader.planCurrent())).isEqualTo(Versions.expected(day2));
        assertThat(reader.plan("2026-11-21").table())
                .isEqualTo("jdbc catalog 'lake' (" + pg.url() + "), table features.items");
    }

    @Test
    void concurrentWritersOfOneTableAreRetriedOrRefusedNeverMixed() throws Exception {
        LakeTable.openOrCreate(jdbc(pg.url(), PostgresServer.PASSWORD, "raced"));
        int writers = 6;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<ScanPlan>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            // two dates, three writers each: other dates are retried on top, the same date races
            String asOf = w % 2 == 0 ? "2026-11-20" : "2026-11-21";
            LakeTable own =
                    LakeTable.openOrCreate(jdbc(pg.url(), PostgresServer.PASSWORD, "raced"));
            results.add(
                    pool.submit(
                            () -> {
                                go.await();
                                return Versions.commit(
                                        own, asOf, "w" + id, Versions.rows("w" + id, 2 + id, id));
                            }));
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(120, TimeUnit.SECONDS))
                .as("6 concurrent commits finished within 120 s")
                .isTrue();

        int committed = 0;
        List<String> refusals = new ArrayList<>();
        for (Future<ScanPlan> f : results) {
            try {
                f.get();
                committed++;
            } catch (java.util.concurrent.ExecutionException e) {
                refusals.add(
                        e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
            }
        }
        System.out.printf("race: %d of %d committed, refused: %s%n", committed, writers, refusals);
        assertThat(committed)
                .as("commits that went through; refused: %s", refusals)
                .isGreaterThan(1);
        assertThat(refusals)
                .allMatch(
                        r -> r.startsWith("CommitFailedException") || r.contains("already exists"));
        LakeTable table = LakeTable.openOrCreate(jdbc(pg.url(), PostgresServer.PASSWORD, "raced"));
        Set<List<String>> versions = new HashSet<>();
        for (int w = 0; w < writers; w++) {
            versions.add(Versions.expected(Versions.rows("w" + w, 2 + w, w)));
        }
        assertThat(versions).contains(Versions.duckdb(table.planCurrent()));
        for (String asOf : table.asOfTags()) {
            assertThat(versions).contains(Versions.duckdb(table.plan(asOf)));
        }
    }

    @Test
    void aVersionThatLosesEveryCommitIsRefusedAfterTheLastAttemptAndNothingOfItIsVisible()
            throws Exception {
        LakeCatalog settings = jdbc(pg.url(), PostgresServer.PASSWORD, "contested");
        LakeTable table = LakeTable.openOrCreate(settings);
        ScanPlan good = Versions.commit(table, "2026-11-20", "good", Versions.rows("g", 3, 1f));
        Path lost = Versions.write(warehouse.resolve("lost"), Versions.rows("l", 2, 2f));

        TaskFailure refused =
                Versions.refusedCommit(
                        table, "2026-11-21", lost, () -> pg.loseEveryUpdateOf("iceberg_tables"));

        assertThat(refused.getMessage())
                .startsWith(
                        "jdbc catalog 'lake' ("
                                + pg.url()
                                + "), table features.contested changed under "
                                + LakeTable.COMMIT_ATTEMPTS
                                + " commits of asOf 2026-11-21 in a row; nothing of it was"
                                + " committed: ")
                .doesNotContain(PostgresServer.PASSWORD);
        LakeTable reader = LakeTable.openOrCreate(settings);
        assertThat(reader.asOfTags()).containsExactly("2026-11-20");
        assertThat(reader.planCurrent().snapshotId()).isEqualTo(good.snapshotId());
        assertThat(reader.table().snapshots()).hasSize(1);
        assertThat(Versions.duckdb(reader.planCurrent()))
                .isEqualTo(Versions.expected(Versions.rows("g", 3, 1f)));
    }

    @Test
    void anUnreachableCatalogFailsNamingCatalogAndTableButNotThePassword() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/postgres";

        assertThatThrownBy(() -> LakeTable.openOrCreate(jdbc(url, "pw-not-in-message", "items")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageStartingWith(
                        "cannot reach jdbc catalog 'lake' (" + url + "), table features.items: ")
                .hasMessageNotContaining("pw-not-in-message")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CatalogUnreachable");
    }
}
