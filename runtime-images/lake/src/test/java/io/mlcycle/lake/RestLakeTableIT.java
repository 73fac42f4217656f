package io.mlcycle.lake;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.testing.RestCatalogServer;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@RealServersTier
class RestLakeTableIT {

    static Path warehouse;
    static RestCatalogServer rest;

    @BeforeAll
    static void startRestCatalog() throws Exception {
        warehouse = Files.createTempDirectory("rest-warehouse");
        rest = RestCatalogServer.start(warehouse);
    }

    @AfterAll
    static void stopRestCatalog() throws Exception {
        if (rest != null) {
            rest.close();
        }
    }

    /** The REST catalog with the OAuth2 client credential (id and secret). */
    private static LakeCatalog oauth(String secret, String table) {
        return new LakeCatalog(
                LakeCatalog.REST,
                "lake",
                rest.uri(),
                null,
                RestCatalogServer.CLIENT_ID,
                secret,
                "features",
                table,
                null);
    }

    private static LakeCatalog bearer(String uri, String token, String table) {
        return new LakeCatalog(
                LakeCatalog.REST, "lake", uri, null, null, null, "features", table, token);
    }

    @Test
    void versionsCommittedThroughTheRestCatalogAreTaggedAndPlannedByTag() {
        LakeTable writer = LakeTable.openOrCreate(oauth(RestCatalogServer.CLIENT_SECRET, "items"));
        List<SparseTables.Row> day1 = Versions.rows("a", 3, 1f);
        List<SparseTables.Row> day2 = Versions.rows("b", 2, 2f);
        ScanPlan first = Versions.commit(writer, "2026-11-20", "r1", day1);
        ScanPlan second = Versions.commit(writer, "2026-11-21", "r2", day2);

        LakeTable reader = LakeTable.open(bearer(rest.uri(), RestCatalogServer.TOKEN, "items"));

        assertThat(reader.plan("2026-11-20").snapshotId()).isEqualTo(first.snapshotId());
        assertThat(Versions.duckdb(reader.plan("2026-11-20"))).isEqualTo(Versions.expected(day1));
        assertThat(Versions.iceberg(reader.table(), first.snapshotId()))
                .isEqualTo(Versions.expected(day1));
        assertThat(Versions.duckdb(reader.planCurrent())).isEqualTo(Versions.expected(day2));
        assertThat(reader.asOfTags()).containsExactly("2026-11-21", "2026-11-20");
        // the server's own catalog holds the commits: they went through the REST API
        var behind = rest.backend().loadTable(TableIdentifier.of("features", "items"));
        assertThat(behind.currentSnapshot().snapshotId()).isEqualTo(second.snapshotId());
        assertThat(behind.refs()).containsKeys("asOf-2026-11-20", "asOf-2026-11-21");
        assertThat(reader.plan("2026-11-21").table())
                .isEqualTo("rest catalog 'lake' (" + rest.uri() + "), table features.items");
    }

    @Test
    void aBackfillThroughTheRestCatalogKeepsTheCurrentVersion() {
        LakeTable table =
                LakeTable.openOrCreate(oauth(RestCatalogServer.CLIENT_SECRET, "backfilled"));
        List<SparseTables.Row> newest = Versions.rows("new", 2, 5f);
        ScanPlan current = Versions.commit(table, "2026-11-21", "run-1", newest);

        Versions.commit(table, "2026-11-19", "run-2", Versions.rows("old", 3, 4f));

        assertThat(table.planCurrent().snapshotId()).isEqualTo(current.snapshotId());
        assertThat(Versions.duckdb(table.planCurrent())).isEqualTo(Versions.expected(newest));
        assertThat(table.table().refs().keySet())
                .containsExactlyInAnyOrder("main", "asOf-2026-11-21", "asOf-2026-11-19");
    }

    @Test
    void keepNThroughTheRestCatalogExpiresOlderVersionsAndDeletesTheirFiles() {
        LakeTable table = LakeTable.openOrCreate(oauth(RestCatalogServer.CLIENT_SECRET, "kept"));
        ScanPlan d1 = Versions.commit(table, "2026-11-18", "r1", Versions.rows("a", 2, 1f));
        ScanPlan d2 = Versions.commit(table, "2026-11-19", "r2", Versions.rows("b", 2, 2f));
        ScanPlan d3 = Versions.commit(table, "2026-11-20", "r3", Versions.rows("c", 2, 3f));

        assertThat(table.expire(2)).containsExactly("2026-11-18");

        LakeTable reader = LakeTable.open(oauth(RestCatalogServer.CLIENT_SECRET, "kept"));
        assertThat(reader.asOfTags()).containsExactly("2026-11-20", "2026-11-19");
        assertThat(reader.table().snapshot(d1.snapshotId())).isNull();
        assertThat(d1.dataFiles()).noneMatch(Versions::exists);
        assertThat(d2.dataFiles()).allMatch(Versions::exists);
        assertThat(d3.dataFiles()).allMatch(Versions::exists);
    }

    @Test
    void aVersionWhoseEveryCommitTheServerRefusesIsACommitConflictAndNothingOfItIsVisible()
            throws Exception {
        LakeCatalog settings = oauth(RestCatalogServer.CLIENT_SECRET, "contested");
        LakeTable table = LakeTable.openOrCreate(settings);
        ScanPlan good = Versions.commit(table, "2026-11-20", "good", Versions.rows("g", 3, 1f));
        Path lost =
                Versions.write(
                        Path.of(java.net.URI.create(table.dataLocation("2026-11-21")))
                                .resolve("lost"),
                        Versions.rows("l", 2, 2f));
        int before = rest.commitsRefused();

        TaskFailure refused =
                Versions.refusedCommit(table, "2026-11-21", lost, rest::refuseEveryCommit);

        assertThat(refused.getMessage())
                .startsWith(
                        "rest catalog 'lake' ("
                                + rest.uri()
                                + "), table features.contested changed under "
                                + LakeTable.COMMIT_ATTEMPTS
                                + " commits of asOf 2026-11-21 in a row")
                .doesNotContain(RestCatalogServer.CLIENT_SECRET);
        // each of LakeTable's attempts is Iceberg's commit with its own retries
        assertThat(rest.commitsRefused() - before)
                .isEqualTo(
                        LakeTable.COMMIT_ATTEMPTS
                                * (TableProperties.COMMIT_NUM_RETRIES_DEFAULT + 1));
        LakeTable reader = LakeTable.open(settings);
        assertThat(reader.asOfTags()).containsExactly("2026-11-20");
        assertThat(reader.planCurrent().snapshotId()).isEqualTo(good.snapshotId());
        assertThat(reader.table().snapshots()).hasSize(1);
    }

    @Test
    void aWrongClientSecretIsRefusedNamingCatalogAndUriButNotTheSecret() {
        assertThatThrownBy(() -> LakeTable.openOrCreate(oauth("not-the-secret", "items")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageStartingWith(
                        "rest catalog 'lake' ("
                                + rest.uri()
                                + "), table features.items: the catalog refused its credentials")
                .hasMessageContaining("store.catalog.credentialsSecret")
                .hasMessageNotContaining("not-the-secret")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CatalogAccessDenied");
    }

    @Test
    void aWrongBearerTokenIsRefusedNamingCatalogAndUriButNotTheToken() {
        assertThatThrownBy(() -> LakeTable.open(bearer(rest.uri(), "not-the-token", "items")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageStartingWith(
                        "rest catalog 'lake' ("
                                + rest.uri()
                                + "), table features.items: the catalog refused its credentials")
                .hasMessageNotContaining("not-the-token")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CatalogAccessDenied");
    }

    @Test
    void anUnreachableRestCatalogFailsNamingCatalogAndUri() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String uri = "http://127.0.0.1:" + closed;

        assertThatThrownBy(
                        () -> LakeTable.openOrCreate(bearer(uri, "token-not-in-message", "items")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageStartingWith(
                        "cannot reach rest catalog 'lake' (" + uri + "), table features.items: ")
                .hasMessageNotContaining("token-not-in-message")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CatalogUnreachable");
    }

    @Test
    void anOAuthCredentialWithoutItsSecretIsInvalidNamingTheSecretsKeys() {
        assertThatThrownBy(() -> LakeTable.openOrCreate(oauth(null, "items")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("store.catalog.credentialsSecret")
                .hasMessageContaining("passwordKey")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("InvalidCatalog");
    }
}
