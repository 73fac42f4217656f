package io.mlcycle.server;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class BatchScoreTest {

    private static final Task.Owner OWNER = new Task.Owner("ModelDeployment", "ml", "churn");

    private static ScoreTask task(Path features, Path out) {
        return TestModels.scoreTask(
                TestModels.artifact().toUri().toString(),
                features.toUri().toString(),
                out.toUri().toString());
    }

    @Test
    void everyEntityIsScoredRankedAndPublishedWithSuccessMarker(@TempDir Path tmp)
            throws Exception {
        List<SparseTables.Row> rows = TestModels.rows(50, 11);
        Path features = tmp.resolve("features/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, rows);
        Path out = tmp.resolve("scores/asOf=2026-11-21");

        Summary s = BatchScore.run(task(features, out));

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures())
                .containsEntry("rows", 50.0)
                .containsEntry("matchedFeatures", 6.0)
                .containsKey("seconds");
        assertThat(s.uri()).endsWith("scores/asOf=2026-11-21/");
        assertThat(out.resolve(VersionedStore.SUCCESS)).exists();
        float[] expected = TestModels.load().predict(TestModels.matrix(rows));
        Map<String, Float> byEntity = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byEntity.put(rows.get(i).entity(), expected[i]);
        }
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, score, rank FROM read_parquet("
                                        + SparseTables.literal(
                                                out.resolve("scores.parquet").toString())
                                        + ") ORDER BY rank")) {
            int n = 0;
            float previous = Float.MAX_VALUE;
            while (rs.next()) {
                n++;
                assertThat(rs.getLong("rank")).isEqualTo(n);
                float score = rs.getFloat("score");
                assertThat(score).isEqualTo(byEntity.get(rs.getString("entity")));
                assertThat(score).isLessThanOrEqualTo(previous);
                previous = score;
            }
            assertThat(n).isEqualTo(50);
        }
    }

    @Test
    void aFailedRunLeavesThePreviousScoresAsTheyWere(@TempDir Path tmp) throws Exception {
        Path features = tmp.resolve("features/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, TestModels.rows(10, 12));
        Path out = tmp.resolve("scores/asOf=2026-11-21");
        BatchScore.run(task(features, out));
        byte[] before = Files.readAllBytes(out.resolve("scores.parquet"));

        Path missing = tmp.resolve("features/asOf=2026-11-19");
        assertThatThrownBy(() -> BatchScore.run(task(missing, out)))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("features.json");

        assertThat(Files.readAllBytes(out.resolve("scores.parquet"))).isEqualTo(before);
        assertThat(out.resolve(VersionedStore.SUCCESS)).exists();
        try (Stream<Path> left = Files.list(out.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactly("asOf=2026-11-21");
        }
    }

    @Test
    void aFeatureViewWithNoneOfTheModelsFeaturesIsRefused(@TempDir Path tmp) throws Exception {
        Path features = tmp.resolve("features/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, TestModels.rows(5, 14));
        ScoreTask right = task(features, tmp.resolve("scores/asOf=2026-11-21"));
        ScoreTask wrong =
                new ScoreTask(
                        right.owner(),
                        right.model(),
                        right.version(),
                        right.artifactUri(),
                        right.asOf(),
                        right.entity(),
                        List.of(
                                new FeatureInput(
                                        "purchases", "2026-11-20", features.toUri().toString())),
                        right.outputUri(),
                        null,
                        null);
        assertThatThrownBy(() -> BatchScore.run(wrong))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("none of the model's 6 features")
                .hasMessageContaining("[purchases]");
        assertThat(tmp.resolve("scores/asOf=2026-11-21")).doesNotExist();
    }

    @Test
    void anOutputThatIsNotADatedDirectoryIsRefused(@TempDir Path tmp) throws Exception {
        Path features = tmp.resolve("features/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, TestModels.rows(3, 13));
        assertThatThrownBy(() -> BatchScore.run(task(features, tmp.resolve("scores"))))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("asOf=<date>/");
    }
}
