package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.lake.LakeInputs;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.testing.RestCatalogServer;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The DuckDB pivot commits through a real Iceberg REST catalog with the OAuth2 client credential
 * the operator hands it as env, and the trainer's and batch scorer's scan ({@code LakeInputs})
 * reads the as-of by its tag with a bearer token, pinned to the committed snapshot.
 */
@RealServersTier
class PivotRestCatalogIT {

    @TempDir Path tmp;
    RestCatalogServer rest;
    String rawUri;

    @BeforeEach
    void startRestCatalog() throws Exception {
        rest = RestCatalogServer.start(tmp.resolve("warehouse"));
        rawUri = Fixtures.twoDaysOfEvents(tmp);
    }

    @AfterEach
    void stopRestCatalog() throws Exception {
        rest.close();
    }

    private TableCatalog catalog() {
        return new TableCatalog(
                TableCatalog.REST,
                "lake",
                rest.uri(),
                null,
                "features",
                "events",
                PodEnv.CATALOG_USER,
                PodEnv.CATALOG_PASSWORD,
                PodEnv.CATALOG_TOKEN);
    }

    private Fixtures.TaskBuilder pivot() {
        var b = new Fixtures.TaskBuilder(rawUri, tmp.resolve("store"));
        b.storeFormat = TableCatalog.FORMAT_ICEBERG;
        b.catalog = catalog();
        return b;
    }

    @Test
    void thePivotCommitsThroughTheRestCatalogAndTheScanReadsItsTagPinnedToTheSnapshot()
            throws IOException {
        Path parquetStore = tmp.resolve("parquet");
        new PivotRunner(name -> null).run(new Fixtures.TaskBuilder(rawUri, parquetStore).build());
        Map<String, String> oauth =
                Map.of(
                        PodEnv.CATALOG_USER, RestCatalogServer.CLIENT_ID,
                        PodEnv.CATALOG_PASSWORD, RestCatalogServer.CLIENT_SECRET);

        Summary s = new PivotRunner(oauth::get).run(pivot().build());

        FeatureInput input = new FeatureInput("events", "2026-11-21", null, catalog(), null);
        LakeInputs planned =
                LakeInputs.plan(
                        List.of(input), Map.of(PodEnv.CATALOG_TOKEN, RestCatalogServer.TOKEN)::get);
        ScanPlan plan = planned.plans().get(planned.inputs().get(0));
        assertThat(s.details()).containsEntry(PivotSummary.SNAPSHOT_ID, plan.snapshotId());
        assertThat(planned.inputs().get(0).snapshotId()).isEqualTo(plan.snapshotId());
        assertThat(s.details().get(PivotSummary.TABLE))
                .isEqualTo("rest catalog 'lake' (" + rest.uri() + "), table features.events");
        assertThat(Fixtures.byName(plan.read(), plan.featureCatalog()))
                .isEqualTo(Fixtures.read(new VersionedStore(parquetStore).versionDir("2026-11-21")))
                .containsEntry("u1", Map.of("a", 7f, "b", 1f));
        var behind = rest.backend().loadTable(TableIdentifier.of("features", "events"));
        assertThat(behind.refs().get("asOf-2026-11-21").snapshotId()).isEqualTo(plan.snapshotId());
    }

    @Test
    void wrongCredentialsFailThePivotBeforeAnyWorkNamingCatalogAndUri() {
        Map<String, String> wrong =
                Map.of(
                        PodEnv.CATALOG_USER,
                        RestCatalogServer.CLIENT_ID,
                        PodEnv.CATALOG_PASSWORD,
                        "a-wrong-secret");

        TaskFailure f =
                catchThrowableOfType(
                        TaskFailure.class, () -> new PivotRunner(wrong::get).run(pivot().build()));

        assertThat(f).as("the pivot failed").isNotNull();
        assertThat(f.reason()).isEqualTo("CatalogAccessDenied");
        assertThat(f.getMessage())
                .startsWith("rest catalog 'lake' (" + rest.uri() + "), table features.events")
                .doesNotContain("a-wrong-secret");
        assertThat(rest.backend().tableExists(TableIdentifier.of("features", "events"))).isFalse();
    }
}
