package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.mlcycle.pivot.Fixtures.failure;
import static io.mlcycle.pivot.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class PivotIcebergStoreTest {

    @TempDir Path tmp;
    Path lake;
    String rawUri;

    @BeforeEach
    void setUp() {
        lake = tmp.resolve("lake");
        rawUri = Fixtures.twoDaysOfEvents(tmp);
    }

    private Fixtures.TaskBuilder iceberg(String catalogType, String uri) {
        var b = new Fixtures.TaskBuilder(rawUri, lake);
        b.storeFormat = TableCatalog.FORMAT_ICEBERG;
        b.catalog =
                new TableCatalog(
                        catalogType, "lake", uri, null, "features", "events", null, null, null);
        return b;
    }

    private LakeTable table() {
        return LakeTable.openOrCreate(
                new LakeCatalog(
                        LakeCatalog.HADOOP,
                        "lake",
                        null,
                        lake.toUri().toString(),
                        null,
                        null,
                        "features",
                        "events",
                        null));
    }

    @Test
    void aVersionIsOneTaggedSnapshotHoldingTheRowsOfTheParquetLayout() throws IOException {
        Path parquetStore = tmp.resolve("store");
        new PivotRunner(name -> null).run(new Fixtures.TaskBuilder(rawUri, parquetStore).build());

        Summary s = new PivotRunner(name -> null).run(iceberg(TableCatalog.HADOOP, null).build());

        ScanPlan plan = table().plan("2026-11-21");
        assertThat(s.details()).containsEntry(PivotSummary.SNAPSHOT_ID, plan.snapshotId());
        assertThat((String) s.details().get(PivotSummary.TABLE))
                .startsWith("hadoop catalog 'lake' (file://" + lake)
                .endsWith("), table features.events");
        assertThat(plan.dataFiles()).isNotEmpty().allMatch(f -> f.contains("asOf=2026-11-21"));
        assertThat(Fixtures.byName(plan.read(), plan.featureCatalog()))
                .isEqualTo(Fixtures.read(new VersionedStore(parquetStore).versionDir("2026-11-21")))
                .containsEntry("u1", Map.of("a", 7f, "b", 1f));
    }

    @Test
    void aRunThatFailsValidationCommitsNothingAndTheLastGoodSnapshotStays() throws IOException {
        var good = iceberg(TableCatalog.HADOOP, null);
        good.asOf = "2026-11-21";
        new PivotRunner(name -> null).run(good.build());
        long last = table().planCurrent().snapshotId();
        Map<Path, String> before = snapshot(lake);
        var bad = iceberg(TableCatalog.HADOOP, null);
        bad.nextDay();
        bad.validation = new PivotTask.Validation(10, null, null, List.of());

        TaskFailure f = failure(bad.build());

        assertThat(f.outcome()).isEqualTo(Summary.Outcome.ValidationFailed);
        assertThat(table().planCurrent().snapshotId()).isEqualTo(last);
        assertThat(table().asOfTags()).containsExactly("2026-11-21");
        assertThat(snapshot(lake)).isEqualTo(before);
    }

    @Test
    void keepNExpiresTheOlderAsOfWithItsWholeRunDirectory() throws IOException {
        var first = iceberg(TableCatalog.HADOOP, null);
        first.keep = 1;
        new PivotRunner(name -> null).run(first.build());
        Path firstDir = Path.of(java.net.URI.create(table().plan("2026-11-21").featuresUri()));
        var second = iceberg(TableCatalog.HADOOP, null);
        second.keep = 1;
        second.nextDay();

        Summary s = new PivotRunner(name -> null).run(second.build());

        assertThat(s.details()).containsEntry(PivotSummary.PRUNED, List.of("2026-11-21"));
        assertThat(table().asOfTags()).containsExactly("2026-11-22");
        assertThat(firstDir.getParent()).doesNotExist();
        assertThat(Path.of(java.net.URI.create(table().planCurrent().featuresUri()))).exists();
    }

    @Test
    void anUnreachableCatalogFailsBeforeAnyWorkNamingCatalogAndTable() throws IOException {
        String url = "jdbc:postgresql://127.0.0.1:1/postgres";

        TaskFailure f = failure(iceberg(TableCatalog.JDBC, url).build());

        assertThat(f.outcome()).isEqualTo(Summary.Outcome.Failed);
        assertThat(f.reason()).isEqualTo("CatalogUnreachable");
        assertThat(f.getMessage())
                .startsWith(
                        "cannot reach jdbc catalog 'lake' (" + url + "), table features.events");
        assertThat(snapshot(lake)).isEmpty();
    }

    @Test
    void anUnknownStoreFormatIsInvalidNamingTheField() {
        var b = iceberg(TableCatalog.HADOOP, null);
        b.storeFormat = "delta";

        TaskFailure f = failure(b.build());

        assertThat(f.reason()).isEqualTo("InvalidStoreFormat");
        assertThat(f.getMessage()).isEqualTo("store.format 'delta' is not one of parquet, iceberg");
    }
}
