package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Ensemble;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class EnsembleTest {

    @TempDir Path root;

    @Test
    void algorithmEnsembleIsPublishedAsOneArtifactThatScoresAsItsMembersBlended() throws Exception {
        SmallTable t = SmallTable.mixed(root.resolve("data"), 1500, 11);
        Path out = root.resolve("models/small/v1");
        Summary s = Trainer.run(t.task(out, "ensemble"));
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);

        JsonNode m = TaskJson.MAPPER.readTree(out.resolve(Trainer.METRICS).toFile());
        assertThat(m.get("algorithm").asText()).isEqualTo("ensemble");
        assertThat(m.get("algorithmRequested").asText()).isEqualTo("ensemble");
        assertThat(m.get("explainer").asText()).isEqualTo(Trainer.ENSEMBLE_EXPLAINER);
        assertThat(m.get("selection").get("method").asText()).isEqualTo(Selection.KFOLD);
        JsonNode ensemble = m.get("candidates").get(3);
        assertThat(ensemble.get("algorithm").asText()).isEqualTo("ensemble");
        assertThat(ensemble.get("chosen").asBoolean()).isTrue();
        assertThat(ensemble.get("reason").asText()).startsWith("ensemble: asked for");
        assertThat(ensemble.get("standardError").asDouble()).isPositive();
        double sum = 0;
        List<String> names = new ArrayList<>();
        for (JsonNode member : ensemble.get(TrainSummary.MEMBERS)) {
            assertThat(member.get("weight").asDouble()).isPositive();
            sum += member.get("weight").asDouble();
            names.add(member.get("algorithm").asText());
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
        // additive counts and an exclusive or: no single candidate has both, the blend takes two
        assertThat(names).hasSizeGreaterThanOrEqualTo(2);
        assertThat(m.get("hyperparameters").get(TrainSummary.MEMBERS)).hasSize(names.size());

        // one artifact: the server's loader reads the members and blends them
        ModelArtifact model = ModelArtifact.load(out);
        assertThat(model.spec().algorithm()).isEqualTo("ensemble");
        assertThat(model.members()).hasSize(names.size());
        SparseMatrix rows = rows(model);
        float[] scored = model.predict(rows);
        double[] w = model.weights();
        double[] expected = new double[rows.rows()];
        for (int k = 0; k < w.length; k++) {
            // each member is an artifact of its own, loadable alone
            ModelArtifact member =
                    ModelArtifact.load(out.resolve(Ensemble.directory(k, names.get(k))));
            assertThat(member.spec().algorithm()).isEqualTo(names.get(k));
            float[] p = member.predict(rows);
            for (int i = 0; i < p.length; i++) {
                expected[i] += w[k] * p[i];
            }
        }
        for (int i = 0; i < rows.rows(); i++) {
            assertThat((double) scored[i]).isCloseTo(expected[i], within(1e-6));
        }
        // the card and the summary's candidate table show the members and their weights
        String card = Files.readString(out.resolve(ModelCard.FILE));
        assertThat(card).contains("ensemble (" + names.get(0) + " ");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> candidates =
                (List<Map<String, Object>>) s.details().get(TrainSummary.CANDIDATES);
        assertThat(candidates.get(3)).containsKey(TrainSummary.MEMBERS);
        assertThat(Files.readString(out.resolve(Trainer.IMPORTANCE))).contains("t/f12");
    }

    @Test
    void autoOffersTheEnsembleOnInnerFoldsAndKeepsASingleModelUnlessItWinsByMoreThanItsNoise()
            throws Exception {
        // one informative feature: every candidate finds it, the blend cannot add much
        SmallTable t = SmallTable.write(root.resolve("data"), 400, 120, 13);
        Path out = root.resolve("models/auto/v1");
        Trainer.run(t.auto(out));
        JsonNode m = TaskJson.MAPPER.readTree(out.resolve(Trainer.METRICS).toFile());
        assertThat(m.get("selection").get("ensemble").asText()).startsWith("offered: ");
        JsonNode ensemble = m.get("candidates").get(3);
        assertThat(ensemble.get("algorithm").asText()).isEqualTo("ensemble");
        double best = Double.NEGATIVE_INFINITY;
        double bestSe = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode c = m.get("candidates").get(i);
            if (c.get("auc").asDouble() > best) {
                best = c.get("auc").asDouble();
                bestSe = c.get("standardError").asDouble();
            }
        }
        double margin = ensemble.get("auc").asDouble() - best;
        boolean ensembleWon = m.get("algorithm").asText().equals("ensemble");
        assertThat(ensembleWon)
                .as("the ensemble wins exactly when it is more than its SE above every single")
                .isEqualTo(margin > ensemble.get("standardError").asDouble());
        assertThat(bestSe).isPositive();
    }

    /** Rows with a value for every feature of the model. */
    private static SparseMatrix rows(ModelArtifact model) {
        int n = 30;
        List<String> names = model.featureNames();
        int[] rowPtr = new int[n + 1];
        List<Integer> cols = new ArrayList<>();
        List<Float> vals = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < names.size(); j++) {
                cols.add(j);
                vals.add(1f + (r * (j + 3)) % 5);
            }
            rowPtr[r + 1] = cols.size();
        }
        float[] v = new float[vals.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = vals.get(k);
        }
        return new SparseMatrix(
                new String[n],
                rowPtr,
                cols.stream().mapToInt(Integer::intValue).toArray(),
                v,
                model.featureNames().size());
    }
}
