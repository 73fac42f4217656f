package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class AutoTest {

    private static final int ROWS = 2000;
    private static final int FEATURES = 120;

    @TempDir static Path root;
    static Table additive;
    static Table interaction;

    record Table(FeatureInput input, Path labels) {}

    /** Many small additive effects of counts: a linear model's home ground. */
    static Table additive(Path dir) throws IOException {
        Random rnd = new Random(1);
        double[] w = new double[FEATURES];
        for (int j = 0; j < 60; j++) {
            w[j] = (j % 2 == 0 ? 0.35 : -0.35);
        }
        return write(
                dir,
                rnd,
                row -> {
                    double z = 0;
                    for (var e : row.entrySet()) {
                        z += w[e.getKey()] * e.getValue();
                    }
                    return rnd.nextDouble() < 1 / (1 + Math.exp(-z));
                });
    }

    /** The label is an exclusive or of two thresholds: no linear model can separate it. */
    static Table interaction(Path dir) throws IOException {
        Random rnd = new Random(2);
        return write(
                dir,
                rnd,
                row -> {
                    boolean a = row.getOrDefault(0, 0f) > 2;
                    boolean b = row.getOrDefault(1, 0f) > 2;
                    return (a ^ b) != rnd.nextDouble() < 0.05;
                });
    }

    interface Label {
        boolean of(TreeMap<Integer, Float> row);
    }

    static Table write(Path dir, Random rnd, Label label) throws IOException {
        List<SparseTables.Row> rows = new ArrayList<>();
        StringBuilder labels = new StringBuilder("user_id,returned\n");
        for (int r = 0; r < ROWS; r++) {
            TreeMap<Integer, Float> row = new TreeMap<>();
            for (int j = 0; j < FEATURES; j++) {
                if (j < 2 || rnd.nextDouble() < 0.3) {
                    row.put(j, 1f + rnd.nextInt(5));
                }
            }
            int[] idx = row.keySet().stream().mapToInt(Integer::intValue).toArray();
            float[] val = new float[idx.length];
            for (int i = 0; i < idx.length; i++) {
                val[i] = row.get(idx[i]);
            }
            rows.add(new SparseTables.Row("u" + r, idx, val));
            labels.append("u").append(r).append(',').append(label.of(row) ? 1 : 0).append('\n');
        }
        Path features = dir.resolve("features/t/asOf=2026-11-20");
        SparseTables.write(features, rows);
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int j = 0; j < FEATURES; j++) {
            fs.add(new FeatureCatalog.Feature(j, "f" + j, 1, 1, 5, 3));
        }
        new FeatureCatalog("user_id", "2026-11-20", fs).write(features);
        Path labelFile = dir.resolve("labels.csv");
        Files.writeString(labelFile, labels);
        return new Table(
                new FeatureInput("t", "2026-11-20", features.toUri().toString()), labelFile);
    }

    @BeforeAll
    static void tables() throws IOException {
        additive = additive(root.resolve("additive"));
        interaction = interaction(root.resolve("interaction"));
    }

    static TrainTask task(Table table, String algorithm, TrainTask.Search search, String name) {
        return task(table, algorithm, search, null, name);
    }

    static TrainTask task(
            Table table,
            String algorithm,
            TrainTask.Search search,
            TrainTask.Select select,
            String name) {
        return TrainTask.builder()
                .model(name)
                .version(1)
                .entity("user_id")
                .features(List.of(table.input()))
                .labels(
                        new TrainTask.Labels(
                                table.labels().toString(), "csv", "user_id", "returned"))
                .algorithm(algorithm)
                .hyperparameters(null)
                .preprocessing(new TrainTask.Preprocessing("log", null))
                .validation(new TrainTask.Validation("holdout", 0.2, 5, 42L))
                .explain(new TrainTask.Explain("shap", 100, 50, 10))
                .select(select)
                .selectionMetric("auc")
                .outputUri(root.resolve("models").resolve(name).resolve("v1").toUri().toString())
                .earlyStopping(null)
                .search(search)
                .build();
    }

    static JsonNode metrics(String name) throws IOException {
        return TaskJson.MAPPER.readTree(
                root.resolve("models").resolve(name).resolve("v1/metrics.json").toFile());
    }

    @Test
    void autoPicksLogisticOnAdditiveCountsAndXgboostOnAnInteraction() throws Exception {
        Summary linear = Trainer.run(task(additive, "auto", null, "additive"));
        Summary trees = Trainer.run(task(interaction, null, null, "interaction"));

        JsonNode a = metrics("additive");
        JsonNode b = metrics("interaction");
        assertThat(a.get("algorithm").asText()).isEqualTo("logistic");
        assertThat(b.get("algorithm").asText()).isEqualTo("xgboost");
        assertThat(a.get("algorithmRequested").asText()).isEqualTo("auto");
        assertThat(b.get("explainer").asText()).isEqualTo("treeshap");
        assertThat(a.get("explainer").asText()).isEqualTo("exact-linear");
        for (JsonNode m : List.of(a, b)) {
            List<String> tried = new ArrayList<>();
            m.get("candidates").forEach(c -> tried.add(c.get("algorithm").asText()));
            // the three learners, then the blend of their out-of-fold scores (inner folds)
            assertThat(tried).containsExactly("logistic", "xgboost", "resnet", "ensemble");
            m.get("candidates")
                    .forEach(c -> assertThat(c.get("status").asText()).isEqualTo("Succeeded"));
        }
        // the chosen learner is clearly better on the rows it was chosen on
        assertThat(candidateAuc(a, "logistic")).isGreaterThan(candidateAuc(a, "xgboost") + 0.02);
        assertThat(candidateAuc(b, "xgboost")).isGreaterThan(candidateAuc(b, "logistic") + 0.2);
        assertThat(candidateAuc(b, "xgboost")).isGreaterThan(candidateAuc(b, "resnet") + 0.02);
        // every candidate's trials are recorded, and the summary carries the table
        JsonNode trials =
                TaskJson.MAPPER.readTree(
                        root.resolve("models/interaction/v1/trials.json").toFile());
        assertThat(trials.size()).isEqualTo(3);
        // 1 600 training rows are small data: compared by five inner folds, each candidate with
        // its mean ± standard error, the winner with its reason, and xgboost's depth and rounds
        // chosen by those folds and reused for the final fit (no second search)
        assertThat(b.get("selection").get("method").asText()).isEqualTo("innerKFold");
        assertThat(b.get("selection").get("folds").asInt()).isEqualTo(5);
        for (JsonNode c : b.get("candidates")) {
            if (c.get("algorithm").asText().equals("resnet")) {
                continue;
            }
            assertThat(c.get("standardError").asDouble()).as("SE of %s", c).isPositive();
            assertThat(c.get("folds").asInt()).isEqualTo(5);
        }
        // the network, far behind xgboost on the interaction and given no blend weight on its
        // first fold, is not fitted on the other four (FirstFoldGate)
        JsonNode resnet = b.get("candidates").get(2);
        assertThat(resnet.get("folds").asInt()).isEqualTo(1);
        assertThat(resnet.get(SearchRunner.STOPPED).asText())
                .startsWith("stopped after the first inner fold")
                .contains("blend weight 0.00");
        assertThat(b.get("selection").get("networkGate").asText()).isEqualTo(FirstFoldGate.RULE);
        JsonNode chosen = b.get("candidates").get(1);
        assertThat(chosen.get("chosen").asBoolean()).isTrue();
        assertThat(chosen.get("reason").asText()).startsWith("xgboost: the best mean");
        assertThat(b.get("selection").get("reason").asText())
                .isEqualTo(chosen.get("reason").asText());
        JsonNode xgbTrial = trials.get(1);
        assertThat(xgbTrial.get("selectionStandardError").asDouble()).isPositive();
        assertThat(b.get("hyperparameters").get("maxDepth").isInt()).isTrue();
        assertThat(b.get("hyperparameters").get("rounds").asInt())
                .isEqualTo(xgbTrial.get("hyperparameters").get("rounds").asInt())
                .isPositive();
        // logistic's L2 strength likewise: chosen by the folds' mean log-loss along the path,
        // then fixed for the final fit
        JsonNode linearCandidate = a.get("candidates").get(0);
        assertThat(linearCandidate.get("hyperparametersChosenBy").asText())
                .startsWith("L2 strength ")
                .contains("lowest mean log-loss over the 5 inner folds");
        double lambda = a.get("hyperparameters").get("weightDecay").asDouble();
        assertThat(java.util.Arrays.stream(Logistic.PATH).boxed().toList()).contains(lambda);
        assertThat(linearCandidate.get("hyperparametersChosenBy").asText())
                .startsWith("L2 strength " + lambda + " ");
        assertThat(trees.details()).containsEntry("selectedBy", "innerKFold");
        String card = Files.readString(root.resolve("models/interaction/v1/model-card.html"));
        assertThat(card)
                .contains("id=\"candidates\"", "innerKFold")
                .contains(ModelCard.esc(chosen.get("reason").asText()));
        assertThat(trees.details()).containsKeys("candidates", "search");
        assertThat(trees.figures().get("auc")).isGreaterThan(0.85);
        assertThat(linear.figures().get("auc")).isGreaterThan(0.8);
        // the planted pair leads the chosen model's TreeSHAP ranking
        assertThat(
                        List.of(
                                b.get("topFeatures").get(0).get("name").asText(),
                                b.get("topFeatures").get(1).get("name").asText()))
                .containsExactlyInAnyOrder("t/f0", "t/f1");
    }

    @Test
    void selectionUnderAutoRetrainsTheChosenLearnerOnItsTopFeaturesAndReportsBoth()
            throws Exception {
        Summary s =
                Trainer.run(
                        task(interaction, "auto", null, new TrainTask.Select(2), "selected-auto"));
        JsonNode m = metrics("selected-auto");
        assertThat(m.get("algorithm").asText()).isEqualTo("xgboost");
        JsonNode selected = m.get("selected");
        assertThat(selected.get("topK").asInt()).isEqualTo(2);
        List<String> kept = new ArrayList<>();
        selected.get("features").forEach(f -> kept.add(f.asText()));
        assertThat(kept).containsExactlyInAnyOrder("t/f0", "t/f1");
        // the planted pair carries the signal: two features keep the full model's AUC
        assertThat(selected.get("metrics").get("auc").asDouble())
                .isGreaterThan(m.get("metrics").get("auc").asDouble() - 0.03);
        assertThat(s.details()).containsKey("selected");
    }

    private static double candidateAuc(JsonNode metrics, String algorithm) {
        for (JsonNode c : metrics.get("candidates")) {
            if (c.get("algorithm").asText().equals(algorithm)) {
                return c.get("auc").asDouble();
            }
        }
        throw new AssertionError("no candidate " + algorithm);
    }

    @Test
    void theBudgetStopsTheSearchAndSaysSo() throws Exception {
        // each look at the clock is a minute later: the first trial starts, none after it
        AtomicLong now = new AtomicLong();
        Summary s =
                Trainer.run(
                        task(additive, "auto", new TrainTask.Search("grid", null, "30s"), "budget"),
                        () -> now.getAndAdd(60_000_000_000L),
                        learner -> {});
        JsonNode m = metrics("budget");
        assertThat(m.get("algorithm").asText()).isEqualTo("logistic");
        assertThat(m.get("search").get("budgetExhausted").asBoolean()).isTrue();
        assertThat(m.get("search").get("trialsSkipped").asInt()).isEqualTo(2);
        List<String> status = new ArrayList<>();
        m.get("candidates").forEach(c -> status.add(c.get("status").asText()));
        assertThat(status).containsExactly("Succeeded", "SkippedByBudget", "SkippedByBudget");
        @SuppressWarnings("unchecked")
        var search = (java.util.Map<String, Object>) s.details().get("search");
        assertThat(search).containsEntry("budgetExhausted", true);
    }

    @Test
    void halvingTrainsEveryPointShortThenTheBestThirdOnTheFullEpochs() throws Exception {
        TrainTask base =
                task(additive, "resnet", new TrainTask.Search("halving", null, null), "halving");
        TrainTask t =
                TrainTask.builder()
                        .owner(base.owner())
                        .model(base.model())
                        .version(base.version())
                        .entity(base.entity())
                        .features(base.features())
                        .labels(base.labels())
                        .algorithm(base.algorithm())
                        .hyperparameters(
                                new TrainTask.Hyperparameters(
                                        List.of(0.01, 0.003, 0.001),
                                        List.of("adam"),
                                        List.of(6),
                                        List.of(128),
                                        List.of(16),
                                        List.of(1),
                                        List.of(0.1),
                                        null,
                                        null))
                        .preprocessing(base.preprocessing())
                        .validation(base.validation())
                        .explain(new TrainTask.Explain("none", 0, 0, 0))
                        .selectionMetric("auc")
                        .outputUri(base.outputUri())
                        .earlyStopping(null)
                        .search(base.search())
                        .build();
        Trainer.run(t);
        JsonNode trials =
                TaskJson.MAPPER.readTree(root.resolve("models/halving/v1/trials.json").toFile());
        List<String> rungs = new ArrayList<>();
        trials.forEach(
                tr ->
                        rungs.add(
                                tr.get("rung").asInt()
                                        + ":"
                                        + tr.get("hyperparameters").get("epochs").asInt()));
        assertThat(rungs).containsExactly("0:2", "0:2", "0:2", "1:6");
        JsonNode m = metrics("halving");
        assertThat(m.get("bestTrial").asInt()).isEqualTo(3);
        assertThat(m.get("hyperparameters").get("epochs").asInt()).isEqualTo(6);
    }

    @Test
    void aFailedCandidateNeverFailsTheRunWhileAnotherSucceeded() throws Exception {
        Summary s =
                Trainer.run(
                        task(interaction, "auto", null, "failing"),
                        System::nanoTime,
                        learner -> {
                            if (learner == Algorithm.XGBOOST) {
                                // what an image without libgomp gives: an Error, not an exception
                                throw new UnsatisfiedLinkError(
                                        "libgomp.so.1: cannot open shared object file");
                            }
                        });
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        JsonNode m = metrics("failing");
        assertThat(m.get("algorithm").asText()).isNotEqualTo("xgboost");
        JsonNode xgb = m.get("candidates").get(1);
        assertThat(xgb.get("status").asText()).isEqualTo("Failed");
        assertThat(xgb.get("message").asText()).contains("libgomp.so.1");
    }

    @Test
    void whenEveryCandidateFailsTheRunFailsWithTheFirstError() {
        assertThatThrownBy(
                        () ->
                                Trainer.run(
                                        task(additive, "auto", null, "allfail"),
                                        System::nanoTime,
                                        learner -> {
                                            throw new IllegalStateException("no " + learner.id());
                                        }))
                .hasMessage("no logistic");
    }

    @Test
    void anUnknownSearchMethodOrAlgorithmIsInvalidAndNamesTheField() {
        assertThatThrownBy(
                        () ->
                                Trainer.run(
                                        task(
                                                additive,
                                                "auto",
                                                new TrainTask.Search("bayes", null, null),
                                                "badsearch")))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            assertThat(f.getMessage()).contains("search.method", "bayes");
                        });
        assertThatThrownBy(() -> Trainer.run(task(additive, "forest", null, "badalgo")))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            assertThat(f.getMessage()).contains("algorithm", "forest", "xgboost");
                        });
        assertThatThrownBy(
                        () ->
                                Trainer.run(
                                        task(
                                                additive,
                                                "auto",
                                                new TrainTask.Search("grid", null, "soon"),
                                                "badbudget")))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> assertThat(f.getMessage()).contains("search.budget", "soon"));
    }
}
