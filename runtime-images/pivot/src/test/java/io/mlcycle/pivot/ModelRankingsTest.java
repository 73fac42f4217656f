package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static io.mlcycle.pivot.Fixtures.featureName;
import static io.mlcycle.pivot.Fixtures.interleavedRanking;
import static io.mlcycle.pivot.Fixtures.writeRanking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class ModelRankingsTest {

    @TempDir Path tmp;

    @Test
    void theTopKOfTheFullRankingThatComeFromTheViewAreItsColumnsBeyondTheRecordedTen() {
        // 50 ranked: of the top 30, 6 come from another view, 24 from this one
        List<String> top = ModelRankings.topOfView(interleavedRanking("events", 50), "events", 30);

        assertThat(top).hasSize(24);
        assertThat(top)
                .containsExactlyElementsOf(
                        IntStream.range(0, 24).mapToObj(Fixtures::featureName).toList());
    }

    @Test
    void theRankingIsOrderedByImportanceNotByItsFileOrderAndTiesKeepTheFileOrder() {
        List<ModelRankings.Ranked> ranking =
                List.of(
                        new ModelRankings.Ranked("events/low", 0.1),
                        new ModelRankings.Ranked("events/tie1", 0.5),
                        new ModelRankings.Ranked("events/high", 0.9),
                        new ModelRankings.Ranked("events/tie2", 0.5));

        assertThat(ModelRankings.topOfView(ranking, "events", 3))
                .containsExactly("high", "tie1", "tie2");
    }

    @Test
    void theOperatorsColumnsAndEachVersionsTopFeaturesOfTheViewAreJoinedSorted() {
        String churn = writeRanking(tmp.resolve("churn/v3"), interleavedRanking("events", 20));
        String upsell =
                writeRanking(
                        tmp.resolve("upsell/v1"),
                        List.of(
                                new ModelRankings.Ranked("events/zeta", 2.0),
                                new ModelRankings.Ranked("profile/age", 1.0)));
        PivotTask.Online online =
                new PivotTask.Online(
                        "redis://r:6379/0",
                        60,
                        null,
                        List.of("recorded"),
                        0,
                        new PivotTask.Ranking(
                                5,
                                List.of(
                                        new PivotTask.RankedModel("churn v3", churn),
                                        new PivotTask.RankedModel("upsell v1", upsell))));

        assertThat(ModelRankings.columns(online, "events"))
                .containsExactly(
                        featureName(0),
                        featureName(1),
                        featureName(2),
                        featureName(3),
                        "recorded",
                        "zeta");
    }

    @Test
    void aMissingRankingFailsNamingTheVersionAndTheFile() {
        var model = new PivotTask.RankedModel("churn v3", tmp.resolve("gone").toUri().toString());

        assertThatThrownBy(() -> ModelRankings.read(model))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> assertThat(f.reason()).isEqualTo(ModelRankings.UNREADABLE))
                .hasMessageContaining("churn v3")
                .hasMessageContaining("gone/" + Layout.IMPORTANCE)
                .hasMessageContaining("does not exist");
    }

    @Test
    void anEntryWithoutANumericImportanceFailsQuotingIt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(dir.resolve(Layout.IMPORTANCE), "[{\"name\":\"events/a\"}]");
        var model = new PivotTask.RankedModel("churn v3", dir.toUri().toString());

        assertThatThrownBy(() -> ModelRankings.read(model))
                .hasMessageContaining("churn v3")
                .hasMessageContaining("numeric importance")
                .hasMessageContaining("events/a");
    }
}
