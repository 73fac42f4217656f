package io.mlcycle.trainer;

import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.testing.RestCatalogServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TrainingRun on a view kept in a real Iceberg REST catalog: the trainer plans the as-of's tag
 * through the catalog and pins the snapshot in the model's lineage and its summary.
 */
@RealServersTier
class RestCatalogFeaturesIT {

    @TempDir Path root;

    @Test
    void theTrainerReadsTheTagThroughTheRestCatalogAndPinsItsSnapshotInLineage() throws Exception {
        try (RestCatalogServer rest =
                RestCatalogServer.startWithoutCredentials(root.resolve("warehouse"))) {
            SmallTable data = SmallTable.write(root, 400, 120, 7);
            TableCatalog catalog =
                    new TableCatalog(
                            TableCatalog.REST,
                            "lake",
                            rest.uri(),
                            null,
                            "features",
                            "t",
                            null,
                            null,
                            null);
            long snapshot = data.commitTo(catalog);
            FeatureInput input =
                    new FeatureInput("t", "2026-11-20", data.input.uri(), catalog, null);
            Path model = root.resolve("models/small/v1");

            Summary s = Trainer.run(data.withInput(input).task(model, "logistic"));

            try (ModelArtifact m = ModelArtifact.load(model)) {
                assertThat(m.spec().lineage()).containsExactly(input.withSnapshot(snapshot));
            }
            assertThat(TrainSummary.snapshotIds(s))
                    .containsExactly(
                            Map.entry(TrainSummary.snapshotKey("t", "2026-11-20"), snapshot));
        }
    }
}
