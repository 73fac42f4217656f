package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.trainer.Trainer;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * An xgboost model trained by the real trainer, served over HTTP by the real server: every answer
 * equals XGBoost4J's prediction from the same model file.
 */
@RealServersTier
class XgboostServingIT {

    private static final int ROWS = 1200;
    private static final int FEATURES = 120;
    private static final int[] PLANTED = {7, 31, 64, 99};

    @TempDir static Path root;

    private static List<SparseTables.Row> rows;
    private static ModelArtifact artifact;
    private static float[] expected;
    private static InferenceServer server;
    private static Http http;

    @BeforeAll
    static void trainAndServe() throws Exception {
        rows = plantedRows();
        Path model = root.resolve("models/m/v1");
        Summary s = Trainer.run(task(model));
        assertThat(s.figures().get("auc")).isGreaterThan(0.7);
        artifact = ModelArtifact.load(model);
        assertThat(artifact.spec().algorithm()).isEqualTo("xgboost");
        Booster booster = XGBoost.loadModel(Files.readAllBytes(model.resolve(ModelSpec.TREES)));
        float[][] predicted = booster.predict(matrix(rows));
        expected = new float[predicted.length];
        for (int i = 0; i < predicted.length; i++) {
            expected[i] = predicted[i][0];
        }
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(model))).isTrue();
        server =
                TestModels.server(
                                new InferenceServer.Config(
                                        "m-prod",
                                        "m",
                                        1,
                                        "127.0.0.1",
                                        0,
                                        -1,
                                        1 << 22,
                                        5000,
                                        1000,
                                        2),
                                slot)
                        .start();
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBatchOfNamedSparseFeaturesIsScoredAsXgboost4jScoresIt() {
        Http.Response r = http.post("/v2/models/m/infer", namedBody(rows));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        float[] served =
                OipMessages.floats(OipMessages.output(r.json(), "probability").get("data"));
        assertThat(served).hasSize(ROWS);
        boolean both = false;
        for (int i = 0; i < ROWS; i++) {
            assertThat(served[i]).as("row %d", i).isCloseTo(expected[i], within(1e-6f));
            both |= (served[i] >= 0.5) != (served[0] >= 0.5);
        }
        assertThat(both).as("the rows get both classes").isTrue();
    }

    @Test
    void singleDenseRowsAreScoredAsXgboost4jScoresThem() {
        for (int i = 0; i < 25; i++) {
            float[] dense = new float[artifact.featureNames().size()];
            SparseTables.Row row = rows.get(i);
            for (int k = 0; k < row.indices().length; k++) {
                int j = artifact.featureIndex(name(row.indices()[k]));
                if (j >= 0) {
                    dense[j] = row.values()[k];
                }
            }
            StringBuilder data = new StringBuilder();
            for (float v : dense) {
                data.append(data.length() == 0 ? "" : ",").append(v);
            }
            String body =
                    "{\"id\":\"r"
                            + i
                            + "\",\"inputs\":[{\"name\":\"input\",\"shape\":[1,"
                            + dense.length
                            + "],\"datatype\":\"FP32\",\"data\":["
                            + data
                            + "]}]}";
            Http.Response r = http.post("/v2/models/m/versions/1/infer", body);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode prob = OipMessages.output(r.json(), "probability");
            assertThat((float) prob.get("data").get(0).asDouble())
                    .as("row %d", i)
                    .isCloseTo(expected[i], within(1e-6f));
        }
    }

    private static TrainTask task(Path out) throws Exception {
        Path table = root.resolve("features/events/asOf=2026-11-20");
        SparseTables.write(table, rows);
        List<FeatureCatalog.Feature> catalog = new ArrayList<>();
        for (int j = 0; j < FEATURES; j++) {
            catalog.add(new FeatureCatalog.Feature(j, "ev" + j, 1, 1, 5, 3));
        }
        new FeatureCatalog("user_id", "2026-11-20", catalog).write(table);
        StringBuilder labels = new StringBuilder("user_id,returned\n");
        Random rnd = new Random(11);
        for (SparseTables.Row row : rows) {
            double logit = -0.8;
            for (int k = 0; k < row.indices().length; k++) {
                for (int p = 0; p < PLANTED.length; p++) {
                    if (row.indices()[k] == PLANTED[p]) {
                        logit += (p % 2 == 0 ? 1.0 : -0.9) * row.values()[k];
                    }
                }
            }
            labels.append(row.entity())
                    .append(',')
                    .append(rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0)
                    .append('\n');
        }
        Path labelFile = root.resolve("labels/returned.csv");
        Files.createDirectories(labelFile.getParent());
        Files.writeString(labelFile, labels);
        return TrainTask.builder()
                .model("m")
                .version(1)
                .entity("user_id")
                .features(
                        List.of(new FeatureInput("events", "2026-11-20", table.toUri().toString())))
                .labels(new TrainTask.Labels(labelFile.toString(), "csv", "user_id", "returned"))
                .algorithm("xgboost")
                .hyperparameters(null)
                .preprocessing(null)
                .validation(new TrainTask.Validation("holdout", 0.2, 5, 42L))
                .explain(new TrainTask.Explain("shap", 100, 50, 5))
                .selectionMetric("auc")
                .outputUri(out.toUri().toString())
                .earlyStopping(null)
                .build();
    }

    private static List<SparseTables.Row> plantedRows() {
        Random rnd = new Random(5);
        List<SparseTables.Row> out = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            TreeMap<Integer, Float> row = new TreeMap<>();
            int n = 4 + rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                row.put(rnd.nextInt(FEATURES), 1f + rnd.nextInt(5));
            }
            for (int p : PLANTED) {
                row.remove(p);
                if (rnd.nextDouble() < 0.35) {
                    row.put(p, 1f + rnd.nextInt(4));
                }
            }
            int[] idx = row.keySet().stream().mapToInt(Integer::intValue).toArray();
            float[] val = new float[idx.length];
            for (int i = 0; i < idx.length; i++) {
                val[i] = row.get(idx[i]);
            }
            out.add(new SparseTables.Row("u" + r, idx, val));
        }
        return out;
    }

    private static String name(int sourceColumn) {
        return "events/ev" + sourceColumn;
    }

    /** The rows as XGBoost4J reads them: CSR in the model's column order, absent = missing. */
    private static DMatrix matrix(List<SparseTables.Row> rows) throws Exception {
        long[] ptr = new long[rows.size() + 1];
        List<Integer> cols = new ArrayList<>();
        List<Float> vals = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            TreeMap<Integer, Float> ordered = new TreeMap<>();
            SparseTables.Row row = rows.get(i);
            for (int k = 0; k < row.indices().length; k++) {
                int j = artifact.featureIndex(name(row.indices()[k]));
                if (j >= 0) {
                    ordered.put(j, row.values()[k]);
                }
            }
            ordered.forEach(
                    (j, v) -> {
                        cols.add(j);
                        vals.add(v);
                    });
            ptr[i + 1] = cols.size();
        }
        int[] c = cols.stream().mapToInt(Integer::intValue).toArray();
        float[] v = new float[vals.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = vals.get(i);
        }
        return new DMatrix(ptr, c, v, DMatrix.SparseType.CSR, artifact.featureNames().size());
    }

    /** One named FP32 tensor per feature the model knows, a value for every row (0 if absent). */
    private static String namedBody(List<SparseTables.Row> rows) {
        List<String> names = artifact.featureNames();
        float[][] columns = new float[names.size()][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            SparseTables.Row row = rows.get(i);
            for (int k = 0; k < row.indices().length; k++) {
                int j = artifact.featureIndex(name(row.indices()[k]));
                if (j >= 0) {
                    columns[j][i] = row.values()[k];
                }
            }
        }
        List<String> inputs = new ArrayList<>();
        for (int j = 0; j < names.size(); j++) {
            StringBuilder data = new StringBuilder();
            for (float v : columns[j]) {
                data.append(data.length() == 0 ? "" : ",").append(v);
            }
            inputs.add(OipMessages.namedTensor(names.get(j), rows.size(), data));
        }
        return "{\"inputs\":[" + String.join(",", inputs) + "]}";
    }
}
