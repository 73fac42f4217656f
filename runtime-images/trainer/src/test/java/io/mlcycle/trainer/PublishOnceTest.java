package io.mlcycle.trainer;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A published model version is written once: a second trainer of it fails, never overwrites. */
@UnitTier
class PublishOnceTest {

    @TempDir static Path root;
    static PlantedData data;

    @BeforeAll
    static void plant() throws Exception {
        data = PlantedData.write(root, 1000, 300, 5);
    }

    private static TrainTask logistic(Path out, double lr) {
        return data.logistic(out, 1, lr);
    }

    @Test
    void summaryCarriesTheDigestOfThePublishedFilesAndARerunIsRefused() throws Exception {
        Path out = root.resolve("models/return-predictor/v1");
        Summary first = Trainer.run(logistic(out, 0.05));
        String digest = (String) first.details().get("artifactDigest");
        assertThat(digest).isEqualTo(ArtifactDigest.of(out));

        assertThatThrownBy(() -> Trainer.run(logistic(out, 0.01)))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(out.toUri().toString())
                .hasMessageContaining("never replaced")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("VersionAlreadyPublished");
        assertThat(ArtifactDigest.of(out)).isEqualTo(digest);
    }

    @Test
    void twoTrainerProcessesOfOneVersionAtOnceLeaveExactlyOneCompleteArtifact() throws Exception {
        Path out = root.resolve("models/return-predictor/v2");
        TrainerProcesses.Outcomes o =
                TrainerProcesses.race(root, "v2", logistic(out, 0.05), 2, Map.of());
        List<Summary> succeeded = o.succeeded();
        List<String> refused = o.refused();
        assertThat(succeeded).hasSize(1);
        assertThat(refused).containsExactly("VersionAlreadyPublished");
        assertThat(ArtifactDigest.of(out))
                .isEqualTo(succeeded.get(0).details().get("artifactDigest"));
        assertThat(out.resolve(VersionedStore.SUCCESS)).exists();
        try (var siblings = Files.list(out.getParent())) {
            // no staging directory of the refused trainer is left behind
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("."));
        }
    }
}
