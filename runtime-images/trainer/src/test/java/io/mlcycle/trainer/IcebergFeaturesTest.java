package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A feature table stored as an Iceberg table trains alike and pins its snapshot in lineage. */
@UnitTier
class IcebergFeaturesTest {

    @TempDir Path root;

    private TableCatalog catalog(String table) {
        return new TableCatalog(
                TableCatalog.HADOOP,
                "lake",
                null,
                root.resolve("lake").toUri().toString(),
                "features",
                table,
                null,
                null,
                null);
    }

    @Test
    void anIcebergVersionTrainsLikeItsDirectoryAndLineageAndSummaryNameItsSnapshot()
            throws Exception {
        SmallTable data = SmallTable.write(root, 400, 120, 7);
        TableCatalog catalog = catalog("t");
        long snapshot = data.commitTo(catalog);
        FeatureInput iceberg = new FeatureInput("t", "2026-11-20", data.input.uri(), catalog, null);
        Path fromDir = root.resolve("models/small/v1");
        Path fromTable = root.resolve("models/small/v2");

        Summary plain = Trainer.run(data.task(fromDir, "logistic"));
        Summary pinned = Trainer.run(data.withInput(iceberg).task(fromTable, "logistic"));

        JsonNode a = TaskJson.MAPPER.readTree(fromDir.resolve(Trainer.METRICS).toFile());
        JsonNode b = TaskJson.MAPPER.readTree(fromTable.resolve(Trainer.METRICS).toFile());
        assertThat(b.get("metrics")).isEqualTo(a.get("metrics"));
        try (ModelArtifact m = ModelArtifact.load(fromTable)) {
            assertThat(m.spec().lineage()).containsExactly(iceberg.withSnapshot(snapshot));
        }
        try (ModelArtifact m = ModelArtifact.load(fromDir)) {
            assertThat(m.spec().lineage().get(0).snapshotId()).isNull();
        }
        // the operator reads the snapshot from the termination message, keyed by view and as-of
        Summary reported = TaskJson.readSummary(TaskJson.writeSummary(pinned));
        assertThat(TrainSummary.snapshotIds(reported))
                .containsExactly(Map.entry(TrainSummary.snapshotKey("t", "2026-11-20"), snapshot));
        assertThat(TrainSummary.snapshotIds(plain)).isEmpty();
        assertThat(plain.details()).doesNotContainKey(TrainSummary.SNAPSHOTS);
    }

    @Test
    void aTableNothingWasCommittedToIsRefusedNamingCatalogAndTable() throws Exception {
        SmallTable data = SmallTable.write(root, 100, 30, 7);
        FeatureInput missing =
                new FeatureInput("t", "2026-11-20", data.input.uri(), catalog("absent"), null);

        assertThatThrownBy(
                        () ->
                                Trainer.run(
                                        data.withInput(missing)
                                                .task(root.resolve("models/small/v1"), "logistic")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageStartingWith("hadoop catalog 'lake' (")
                .hasMessageEndingWith(
                        "table features.absent does not exist: nothing was committed");
    }
}
