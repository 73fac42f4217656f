package io.mlcycle.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.ReplaySummary;
import io.mlcycle.task.ReplayTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The replay program on a planted request log, written by the real server: only the logged rows
 * with feedback are replayed, each model scores them as it would serve them, and the paired counts
 * are those of scoring the original rows directly; a failed run leaves the last good output.
 */
@UnitTier
class ReplayTest {

    /** Anti-correlated with the label rule: worse than the trained test model. */
    private static final float[] WRONG = {-2f, -1f, 1.5f, 0f, 0f, 0f};

    private static ReplayTask task(Path log, Path out, Path champion, Path challenger) {
        return new ReplayTask(
                new Task.Owner("ModelDeployment", "ml", "churn"),
                TestModels.MODEL,
                new ReplayTask.Side(3, champion.toUri().toString(), null),
                new ReplayTask.Side(4, challenger.toUri().toString(), null),
                log.toUri().toString(),
                out.toUri().toString(),
                "2026-12-07");
    }

    /** A replay of {@code dir}'s log into {@code dir/out}. */
    private static Summary replay(Path dir, Path champion, Path challenger) {
        return Replay.run(task(dir.resolve("log"), dir.resolve("out"), champion, challenger));
    }

    /** The paired counts from scoring {@code rows} directly: both, champion only, … */
    private static long[] direct(List<SparseTables.Row> rows, Path champion, Path challenger) {
        ModelArtifact a = ModelArtifact.load(champion);
        ModelArtifact b = ModelArtifact.load(challenger);
        float[] pa = a.predict(TestModels.matrix(rows));
        float[] pb = b.predict(TestModels.matrix(rows));
        long[] n = new long[4];
        for (int i = 0; i < rows.size(); i++) {
            int y = TestModels.positive(TestModels.dense(rows.get(i))) ? 1 : 0;
            boolean ra = (pa[i] >= a.threshold() ? 1 : 0) == y;
            boolean rb = (pb[i] >= b.threshold() ? 1 : 0) == y;
            n[ra ? (rb ? 0 : 1) : (rb ? 2 : 3)]++;
        }
        return n;
    }

    private static long[] counts(Summary s) {
        Map<String, Double> f = s.figures();
        return new long[] {
            f.get(ReplaySummary.BOTH_RIGHT).longValue(),
            f.get(ReplaySummary.CHAMPION_ONLY).longValue(),
            f.get(ReplaySummary.CHALLENGER_ONLY).longValue(),
            f.get(ReplaySummary.BOTH_WRONG).longValue()
        };
    }

    @Test
    void theLabelledLoggedRowsArePairedAsScoringThemDirectlyPairsThem(@TempDir Path dir)
            throws IOException {
        List<SparseTables.Row> rows = TestModels.rows(160, 21);
        Map<String, SparseTables.Row> labelled =
                RequestLogs.labelledLog(dir.resolve("log"), rows, i -> i % 4 != 0);
        Path served = TestModels.artifact();
        Path worse = RequestLogs.linearModel(dir.resolve("worse"), WRONG, 0.5f);

        Summary s = Replay.run(task(dir.resolve("log"), dir.resolve("out"), served, worse));

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures().get(ReplaySummary.LOGGED)).isEqualTo(rows.size());
        assertThat(s.figures().get(ReplaySummary.SAMPLES)).isEqualTo(labelled.size());
        long[] expected = direct(new ArrayList<>(labelled.values()), served, worse);
        assertThat(counts(s)).containsExactly(expected);
        assertThat(expected[1])
                .as("the worse challenger loses more discordant pairs than it wins")
                .isGreaterThan(expected[2]);
        assertThat(s.figures().get(ReplaySummary.CHAMPION_ACCURACY))
                .isGreaterThan(s.figures().get(ReplaySummary.CHALLENGER_ACCURACY));
        Path published = dir.resolve("out/asOf=2026-12-07");
        assertThat(published.resolve("_SUCCESS")).exists();
        assertThat(published.resolve(ReplaySummary.ROWS_FILE)).exists();

        Summary swapped = Replay.run(task(dir.resolve("log"), dir.resolve("out"), worse, served));
        long[] c = counts(swapped);
        assertThat(new long[] {c[0], c[2], c[1], c[3]})
                .as("the same pairs, the sides swapped")
                .containsExactly(expected);
    }

    @Test
    void aLogWithoutFeedbackOrFilesReplaysNoSamples(@TempDir Path dir) throws IOException {
        RequestLogs.labelledLog(dir.resolve("log"), TestModels.rows(20, 5), i -> false);
        Path served = TestModels.artifact();

        Summary unlabelled =
                Replay.run(task(dir.resolve("log"), dir.resolve("out"), served, served));
        Summary missing =
                Replay.run(task(dir.resolve("none"), dir.resolve("out2"), served, served));

        assertThat(unlabelled.figures().get(ReplaySummary.LOGGED)).isEqualTo(20.0);
        assertThat(unlabelled.figures().get(ReplaySummary.SAMPLES)).isZero();
        assertThat(missing.figures().get(ReplaySummary.FILES)).isZero();
        assertThat(missing.figures().get(ReplaySummary.SAMPLES)).isZero();
    }

    @Test
    void aReplayThatFailsLeavesTheLastGoodOutputAndNamesTheCause(@TempDir Path dir)
            throws IOException {
        RequestLogs.labelledLog(dir.resolve("log"), TestModels.rows(20, 6), i -> true);
        Path served = TestModels.artifact();
        replay(dir, served, served);
        Path published = dir.resolve("out/asOf=2026-12-07/" + ReplaySummary.ROWS_FILE);
        byte[] good = Files.readAllBytes(published);

        assertThatThrownBy(() -> replay(dir, served, dir.resolve("no-such-model")))
                .isInstanceOf(TaskFailure.class);
        Path unservable = RequestLogs.linearModel(dir.resolve("unservable"), WRONG, 0.5f);
        ObjectNode spec =
                (ObjectNode) new ObjectMapper().readTree(unservable.resolve("model.json").toFile());
        spec.put("threshold", 2.0);
        new ObjectMapper().writeValue(unservable.resolve("model.json").toFile(), spec);
        assertThatThrownBy(() -> replay(dir, served, unservable))
                .as("a model the server would refuse is refused as the server refuses it")
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("challenger (version 4) cannot be served")
                .hasMessageContaining("threshold 2.0 is not in [0, 1]");
        ReplayTask bad =
                new ReplayTask(
                        new Task.Owner("ModelDeployment", "ml", "churn"),
                        TestModels.MODEL,
                        new ReplayTask.Side(3, served.toUri().toString(), null),
                        new ReplayTask.Side(4, served.toUri().toString(), null),
                        dir.resolve("log").toUri().toString(),
                        dir.resolve("out").toUri().toString(),
                        "yesterday");
        assertThatThrownBy(() -> Replay.run(bad))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("asOf 'yesterday'");

        assertThat(Files.readAllBytes(published)).isEqualTo(good);
    }
}
