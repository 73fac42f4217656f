package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.FeatureImportance;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class FeatureSchemasTest {

    @Test
    void aVersionRecordsEachRankedFeatureWithItsShareOfTheShapMassAndTheViewsWithTheirGeneration() {
        TrainTask task =
                TrainTask.builder()
                        .features(
                                List.of(
                                        new FeatureInput("games", "2026-11-20", "file:///g/"),
                                        new FeatureInput("profiles", "2026-11-19", "file:///p/")))
                        .build();
        FeatureSchema schema =
                FeatureSchemas.of(
                        List.of(
                                new FeatureImportance("kills", 0.6),
                                new FeatureImportance("age", 0.3),
                                new FeatureImportance("wins", 0.1)),
                        task,
                        Map.of("games", 4L)::get);
        assertThat(schema.features)
                .extracting(f -> f.name + "=" + f.share)
                .containsExactly("kills=0.6", "age=0.3", "wins=0.1");
        assertThat(schema.views)
                .extracting(v -> v.name + "@" + v.asOf + " gen " + v.generation)
                .containsExactly("games@2026-11-20 gen 4", "profiles@2026-11-19 gen null");
    }

    @Test
    void sharesAreOfTheAbsoluteMassAndNoRankingRecordsNoSchema() {
        FeatureSchema schema =
                FeatureSchemas.of(
                        List.of(new FeatureImportance("a", 3.0), new FeatureImportance("b", -1.0)),
                        null,
                        view -> null);
        assertThat(schema.features).extracting(f -> f.share).containsExactly(0.75, 0.25);
        assertThat(schema.views).isEmpty();
        assertThat(FeatureSchemas.of(List.of(), null, view -> null)).isNull();
    }
}
