package io.mlcycle.lake;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.UnitTier;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class HadoopLakeTableTest {

    @TempDir Path warehouse;

    @Test
    void eachAsOfIsOneTaggedSnapshotThatDuckDbAndIcebergsReaderReadAlike() {
        LakeTable table = LakeTable.openOrCreate(Versions.hadoop(warehouse, "items"));
        List<SparseTables.Row> day1 = Versions.rows("a", 3, 1f);
        List<SparseTables.Row> day2 = Versions.rows("b", 4, 2f);

        ScanPlan first = Versions.commit(table, "2026-11-20", "run-1", day1);
        ScanPlan second = Versions.commit(table, "2026-11-21", "run-2", day2);

        assertThat(second.snapshotId()).isNotEqualTo(first.snapshotId());
        assertThat(table.planCurrent().snapshotId()).isEqualTo(second.snapshotId());
        assertThat(first.asOf()).isEqualTo("2026-11-20");
        assertThat(first.summary()).containsEntry("mlcycle.run", "run-1");
        ScanPlan old = table.plan("2026-11-20");
        assertThat(old.dataFiles()).hasSize(1).allMatch(f -> f.contains("asOf=2026-11-20"));
        assertThat(Versions.duckdb(old)).isEqualTo(Versions.expected(day1));
        assertThat(Versions.iceberg(table.table(), old.snapshotId()))
                .isEqualTo(Versions.expected(day1));
        assertThat(Versions.duckdb(table.planCurrent())).isEqualTo(Versions.expected(day2));
        assertThat(Versions.iceberg(table.table(), second.snapshotId()))
                .isEqualTo(Versions.expected(day2));
        assertThat(table.asOfTags()).containsExactly("2026-11-21", "2026-11-20");
    }

    @Test
    void aBackfilledOlderAsOfIsTaggedWhileTheCurrentVersionStays() {
        LakeTable table = LakeTable.openOrCreate(Versions.hadoop(warehouse, "items"));
        List<SparseTables.Row> newest = Versions.rows("new", 2, 5f);
        List<SparseTables.Row> older = Versions.rows("old", 3, 4f);
        ScanPlan current = Versions.commit(table, "2026-11-21", "run-1", newest);

        Versions.commit(table, "2026-11-19", "run-2", older);

        assertThat(table.planCurrent().snapshotId()).isEqualTo(current.snapshotId());
        assertThat(Versions.duckdb(table.planCurrent())).isEqualTo(Versions.expected(newest));
        assertThat(Versions.duckdb(table.plan("2026-11-19"))).isEqualTo(Versions.expected(older));
        assertThat(table.table().refs().keySet())
                .containsExactlyInAnyOrder("main", "asOf-2026-11-21", "asOf-2026-11-19");
    }

    @Test
    void rerunningADateMovesItsTagToTheNewVersion() {
        LakeTable table = LakeTable.openOrCreate(Versions.hadoop(warehouse, "items"));
        Versions.commit(table, "2026-11-20", "run-1", Versions.rows("a", 2, 1f));
        List<SparseTables.Row> rerun = Versions.rows("c", 5, 3f);

        ScanPlan replaced = Versions.commit(table, "2026-11-20", "run-2", rerun);

        assertThat(table.asOfTags()).containsExactly("2026-11-20");
        assertThat(table.planCurrent().snapshotId()).isEqualTo(replaced.snapshotId());
        assertThat(Versions.duckdb(replaced)).isEqualTo(Versions.expected(rerun));
    }

    @Test
    void keepNExpiresOlderVersionsAndDeletesTheirFiles() {
        LakeTable table = LakeTable.openOrCreate(Versions.hadoop(warehouse, "items"));
        ScanPlan d1 = Versions.commit(table, "2026-11-18", "r1", Versions.rows("a", 2, 1f));
        ScanPlan d2 = Versions.commit(table, "2026-11-19", "r2", Versions.rows("b", 2, 2f));
        ScanPlan d3 = Versions.commit(table, "2026-11-20", "r3", Versions.rows("c", 2, 3f));

        assertThat(table.expire(2)).containsExactly("2026-11-18");

        assertThat(table.asOfTags()).containsExactly("2026-11-20", "2026-11-19");
        assertThat(table.table().snapshot(d1.snapshotId())).isNull();
        assertThat(d1.dataFiles()).noneMatch(Versions::exists);
        assertThat(d2.dataFiles()).allMatch(Versions::exists);
        assertThat(d3.dataFiles()).allMatch(Versions::exists);
        assertThatThrownBy(() -> table.plan("2026-11-18"))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("features.items")
                .hasMessageContaining("asOf-2026-11-18")
                .hasMessageContaining("[2026-11-20, 2026-11-19]");
    }

    @Test
    void aTableSomeoneCreatedWithAnotherSchemaIsRefusedNamingCatalogTableAndColumn() {
        LakeCatalog settings = Versions.hadoop(warehouse, "theirs");
        Catalog catalog = settings.open();
        catalog.createTable(
                settings.identifier(),
                new Schema(
                        Types.NestedField.required(1, "entity", Types.StringType.get()),
                        Types.NestedField.optional(
                                2, "idx", Types.ListType.ofOptional(4, Types.IntegerType.get())),
                        Types.NestedField.optional(
                                3, "val", Types.ListType.ofOptional(5, Types.DoubleType.get())),
                        Types.NestedField.optional(6, "note", Types.StringType.get())));

        assertThatThrownBy(() -> LakeTable.openOrCreate(settings))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("hadoop catalog 'lake'")
                .hasMessageContaining("features.theirs")
                .hasMessageContaining("column 'val' is list<double>, expected list<float>")
                .hasMessageContaining("column 'note' is not a feature table column")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("TableSchemaMismatch");
    }

    @Test
    void anUnknownCatalogTypeIsInvalidNamingTheField() {
        LakeCatalog settings =
                new LakeCatalog("glue", "lake", null, "file:///x", null, null, "f", "t", null);

        assertThatThrownBy(settings::open)
                .isInstanceOf(TaskFailure.class)
                .hasMessage("store.catalog.type 'glue' is not one of hadoop, jdbc, rest");
    }
}
