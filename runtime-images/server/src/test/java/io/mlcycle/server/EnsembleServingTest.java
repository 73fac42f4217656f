package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Ensemble;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.server.OipMessages.config;
import static io.mlcycle.server.OipMessages.denseBody;
import static io.mlcycle.server.OipMessages.floats;
import static io.mlcycle.server.OipMessages.output;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class EnsembleServingTest {

    @TempDir Path tmp;

    /** The members' probabilities of {@code rows}, blended by the ensemble's weights. */
    private static float[] membersBlended(SparseMatrix rows) {
        Path dir = TestModels.ensemble();
        float[] first =
                ModelArtifact.load(dir.resolve(Ensemble.directory(0, "logistic"))).predict(rows);
        float[] second =
                ModelArtifact.load(dir.resolve(Ensemble.directory(1, "logistic"))).predict(rows);
        float[] out = new float[first.length];
        for (int i = 0; i < out.length; i++) {
            out[i] =
                    (float)
                            (TestModels.ENSEMBLE_WEIGHTS[0] * first[i]
                                    + TestModels.ENSEMBLE_WEIGHTS[1] * second[i]);
        }
        return out;
    }

    @Test
    void anEnsembleArtifactLoadsInTheServersLoaderAndScoresAsItsMembersBlended() {
        ArtifactModel model = ArtifactModel.load(TestModels.ensemble());
        List<SparseTables.Row> rows = TestModels.rows(40, 11);
        SparseMatrix matrix = TestModels.matrix(rows);
        float[] expected = membersBlended(matrix);
        float[] scored = model.predict(matrix);
        assertThat(model.artifact().spec().algorithm()).isEqualTo("ensemble");
        assertThat(model.artifact().members()).hasSize(2);
        assertThat(model.artifact().weights()).containsExactly(TestModels.ENSEMBLE_WEIGHTS);
        assertThat(model.featureNames()).isEqualTo(TestModels.load().featureNames());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(scored[i]).isCloseTo(expected[i], within(1e-6f));
            SparseTables.Row r = rows.get(i);
            assertThat(model.artifact().predictOne(r.indices(), r.values()))
                    .isCloseTo(expected[i], within(1e-6f));
            assertThat(model.artifact().predictDense(new float[][] {TestModels.dense(r)})[0])
                    .isCloseTo(expected[i], within(1e-6f));
        }
        // the blend differs from either member: the test would see a member scored alone
        float[] first = model.artifact().members().get(0).predict(matrix);
        assertThat(scored).isNotEqualTo(first);
    }

    @Test
    void anEnsembleIsScoredOverRestLikeAnyModel() throws IOException {
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.ensemble()))).isTrue();
        try (InferenceServer server = TestModels.server(config(64 * 1024, 100), slot).start()) {
            Http http = new Http(server.port());
            List<SparseTables.Row> rows = TestModels.rows(25, 31);
            Http.Response r = http.post("/v2/models/churn/infer", denseBody("e-1", rows));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            float[] probability = floats(output(r.json(), "probability").get("data"));
            float[] expected = membersBlended(TestModels.matrix(rows));
            assertThat(probability).hasSize(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                assertThat(probability[i]).isCloseTo(expected[i], within(1e-6f));
            }
            assertThat(http.get("/v2/models/churn").json().get("inputs"))
                    .hasSize(1 + TestModels.FEATURES);
        }
    }

    @Test
    void batchScoringScoresEveryEntityWithTheEnsemble() throws Exception {
        List<SparseTables.Row> rows = TestModels.rows(40, 17);
        Path features = tmp.resolve("features/asOf=2026-11-20");
        TestModels.writeFeatureTable(features, rows);
        Path out = tmp.resolve("scores/asOf=2026-11-21");
        ScoreTask task =
                TestModels.scoreTask(
                        TestModels.ensemble().toUri().toString(),
                        features.toUri().toString(),
                        out.toUri().toString());
        assertThat(BatchScore.run(task).outcome()).isEqualTo(Summary.Outcome.Succeeded);
        float[] expected = membersBlended(TestModels.matrix(rows));
        Map<String, Float> byEntity = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byEntity.put(rows.get(i).entity(), expected[i]);
        }
        Map<String, Float> scored = TestModels.scores(out);
        assertThat(scored).hasSize(rows.size());
        scored.forEach(
                (entity, score) ->
                        assertThat(score).isCloseTo(byEntity.get(entity), within(1e-6f)));
    }

    @Test
    void anEnsembleWhoseWeightsDoNotSumToOneIsRefusedNamingItsFile() throws IOException {
        Path dir = tmp.resolve("v1");
        copy(TestModels.ensemble(), dir);
        Path file = dir.resolve(Ensemble.FILE);
        Files.writeString(file, Files.readString(file).replace("0.3", "0.4"));
        assertThatThrownBy(() -> ArtifactModel.load(dir))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(Ensemble.FILE)
                .hasMessageContaining("the weights sum to 1.1");
    }

    @Test
    void anEnsembleMemberOutsideItsDirectoryIsRefused() throws IOException {
        Path dir = tmp.resolve("v2");
        copy(TestModels.ensemble(), dir);
        Path file = dir.resolve(Ensemble.FILE);
        Files.writeString(
                file, Files.readString(file).replace("members/1-logistic", "../elsewhere"));
        assertThatThrownBy(() -> ArtifactModel.load(dir))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("member directory '../elsewhere' is not inside");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
