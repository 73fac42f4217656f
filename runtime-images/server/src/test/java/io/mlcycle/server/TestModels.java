package io.mlcycle.server;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.Djl;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.model.TabularNet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a real (small) logistic model with DJL on synthetic sparse rows and writes it as a trainer
 * artifact, once per test JVM: the server tests score with a model that actually learned.
 */
final class TestModels {

    static final String VIEW = "events";
    static final int FEATURES = 6;
    static final String MODEL = "churn";
    static final int VERSION = 3;

    /** The feedback token the test servers require ({@link ServeTask#FEEDBACK_TOKEN_ENV}). */
    static final String TOKEN = "test-feedback-token";

    /** {@code env} plus the feedback token. */
    static java.util.Map<String, String> withToken(java.util.Map<String, String> env) {
        java.util.Map<String, String> all = new java.util.HashMap<>(env);
        all.put(io.mlcycle.task.ServeTask.FEEDBACK_TOKEN_ENV, TOKEN);
        return all;
    }

    /** A server that requires {@link #TOKEN} for feedback. */
    static InferenceServer server(InferenceServer.Config config, ModelSlot slot) {
        return new InferenceServer(config, slot, null, withToken(java.util.Map.of()));
    }

    /**
     * A started server of {@link #artifact()} as deployment {@code churn-prod}, version {@code
     * version}, on 127.0.0.1 (REST only; feedback window 1000), with {@code env} and the token.
     */
    static InferenceServer started(int version, java.util.Map<String, String> env)
            throws IOException {
        ModelSlot slot = new ModelSlot();
        if (!slot.load(() -> ArtifactModel.load(artifact()))) {
            throw new IllegalStateException("the test model did not load: " + slot.error());
        }
        InferenceServer.Config c =
                new InferenceServer.Config(
                        "churn-prod", MODEL, version, "127.0.0.1", 0, -1, 1 << 20, 100, 1000, 4);
        return new InferenceServer(c, slot, null, withToken(env)).start();
    }

    private static Path artifact;
    private static Path ensemble;
    private static java.util.Map<String, float[]> trainedParameters;

    /** The weights of {@link #ensemble()}'s two members. */
    static final double[] ENSEMBLE_WEIGHTS = {0.7, 0.3};

    private TestModels() {}

    /** Raw feature name {@code e<j>}; in the model it is {@code events/e<j>}. */
    static String raw(int j) {
        return "e" + j;
    }

    static String feature(int j) {
        return VIEW + "/" + raw(j);
    }

    /** The label rule the model learns: e0 and e1 push up, e2 pushes down. */
    static boolean positive(float[] x) {
        return 2 * x[0] + x[1] - 1.5 * x[2] > 1.0;
    }

    /** Synthetic rows: each feature present with probability 1/2, value in (0, 2]. */
    static List<SparseTables.Row> rows(int n, long seed) {
        Random rnd = new Random(seed);
        List<SparseTables.Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> idx = new ArrayList<>();
            List<Float> val = new ArrayList<>();
            for (int j = 0; j < FEATURES; j++) {
                if (rnd.nextBoolean()) {
                    idx.add(j);
                    val.add(0.1f + rnd.nextInt(20) / 10f);
                }
            }
            int[] ia = idx.stream().mapToInt(Integer::intValue).toArray();
            float[] va = new float[val.size()];
            for (int k = 0; k < va.length; k++) {
                va[k] = val.get(k);
            }
            out.add(new SparseTables.Row("u" + seed + "-" + i, ia, va));
        }
        return out;
    }

    static float[] dense(SparseTables.Row row) {
        float[] x = new float[FEATURES];
        for (int k = 0; k < row.indices().length; k++) {
            x[row.indices()[k]] = row.values()[k];
        }
        return x;
    }

    /** Writes a FeatureView version ({@code sparse-0.parquet} + {@code features.json}). */
    static void writeFeatureTable(Path dir, List<SparseTables.Row> rows) throws IOException {
        SparseTables.write(dir, rows);
        List<FeatureCatalog.Feature> features = new ArrayList<>();
        for (int j = 0; j < FEATURES; j++) {
            features.add(new FeatureCatalog.Feature(j, raw(j), rows.size() / 2, 0.1, 2.0, 1.0));
        }
        new FeatureCatalog("user_id", "2026-11-20", features).write(dir);
    }

    /** The artifact directory of a trained logistic model (trained on first use). */
    static synchronized Path artifact() {
        if (artifact == null) {
            try {
                Files.createDirectories(Path.of("target"));
                Path dir = Files.createTempDirectory(Path.of("target"), "test-model-");
                train(dir);
                artifact = dir;
            } catch (Exception e) {
                throw new IllegalStateException("cannot train the test model: " + e, e);
            }
        }
        return artifact;
    }

    /**
     * An ensemble artifact of two logistic members, weighted {@link #ENSEMBLE_WEIGHTS}: the trained
     * model and a hand-set linear model of the same rule.
     */
    static synchronized Path ensemble() {
        if (ensemble == null) {
            try {
                Path dir = Files.createTempDirectory(Path.of("target"), "test-ensemble-");
                ModelSpec spec = ModelArtifact.load(artifact()).spec();
                String first = io.mlcycle.model.Ensemble.directory(0, "logistic");
                String second = io.mlcycle.model.Ensemble.directory(1, "logistic");
                ModelArtifact.write(dir.resolve(first), spec, trainedParameters);
                // a second linear model of the same rule with other coefficients: other scores
                ModelArtifact.write(
                        dir.resolve(second),
                        spec,
                        TabularNet.linearParameters(
                                new float[] {1.5f, 0.5f, -1f, 0f, 0.2f, 0f}, -1.2f));
                ModelSpec ensembleSpec =
                        new ModelSpec(
                                spec.model(),
                                spec.version(),
                                "ensemble",
                                spec.entity(),
                                spec.features(),
                                spec.scaling(),
                                spec.threshold(),
                                spec.architecture(),
                                spec.trainedAt(),
                                null,
                                null,
                                io.mlcycle.model.Ensemble.FILE,
                                null);
                io.mlcycle.model.Ensemble.write(
                        dir,
                        ensembleSpec,
                        List.of(
                                new io.mlcycle.model.Ensemble.Member(
                                        "logistic", first, ENSEMBLE_WEIGHTS[0]),
                                new io.mlcycle.model.Ensemble.Member(
                                        "logistic", second, ENSEMBLE_WEIGHTS[1])));
                ensemble = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ensemble;
    }

    /**
     * A batch scoring of the {@link #VIEW} table at {@code features} by the artifact at {@code
     * artifactUri} into {@code outUri}, for the ModelDeployment ml/churn.
     */
    static io.mlcycle.task.ScoreTask scoreTask(
            String artifactUri, String featuresUri, String outUri) {
        return new io.mlcycle.task.ScoreTask(
                new io.mlcycle.task.Task.Owner("ModelDeployment", "ml", "churn"),
                MODEL,
                VERSION,
                artifactUri,
                "2026-11-21",
                "user_id",
                List.of(new io.mlcycle.task.FeatureInput(VIEW, "2026-11-20", featuresUri)),
                outUri,
                null,
                null);
    }

    /** The scores a batch scoring published in {@code out} ({@code scores.parquet}), by entity. */
    static Map<String, Float> scores(Path out) throws SQLException {
        Map<String, Float> byEntity = new HashMap<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, score FROM read_parquet("
                                        + SparseTables.literal(
                                                out.resolve(BatchScore.FILE).toString())
                                        + ")")) {
            while (rs.next()) {
                byEntity.put(rs.getString(1), rs.getFloat(2));
            }
        }
        return byEntity;
    }

    static ModelArtifact load() {
        return ModelArtifact.load(artifact());
    }

    /** A copy of {@code rows} as a matrix (entities kept). */
    static SparseMatrix matrix(List<SparseTables.Row> rows) {
        int nnz = rows.stream().mapToInt(r -> r.indices().length).sum();
        String[] entities = new String[rows.size()];
        int[] rowPtr = new int[rows.size() + 1];
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            SparseTables.Row row = rows.get(r);
            entities[r] = row.entity();
            for (int j = 0; j < row.indices().length; j++) {
                cols[k] = row.indices()[j];
                vals[k++] = row.values()[j];
            }
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(entities, rowPtr, cols, vals, FEATURES);
    }

    private static void train(Path dir) throws IOException {
        List<SparseTables.Row> data = rows(600, 7);
        ModelSpec.Architecture arch = new ModelSpec.Architecture(FEATURES, 1, 0, 0.0);
        TabularNet net = new TabularNet(Algorithm.LOGISTIC, arch);
        int batch = 50;
        try (Model model = Model.newInstance("test-logistic", Djl.ENGINE)) {
            model.setBlock(net);
            DefaultTrainingConfig cfg =
                    new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.1f))
                                            .build());
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(TabularNet.inputShapes(batch, FEATURES));
                NDManager m = trainer.getManager();
                for (int epoch = 0; epoch < 40; epoch++) {
                    for (int from = 0; from < data.size(); from += batch) {
                        long[] idx = new long[batch * FEATURES];
                        float[] val = new float[batch * FEATURES];
                        float[] label = new float[batch];
                        for (int b = 0; b < batch; b++) {
                            SparseTables.Row row = data.get(from + b);
                            for (int k = 0; k < row.indices().length; k++) {
                                idx[b * FEATURES + k] = row.indices()[k] + 1L;
                                val[b * FEATURES + k] = row.values()[k];
                            }
                            label[b] = positive(dense(row)) ? 1f : 0f;
                        }
                        try (NDManager sub = m.newSubManager();
                                GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray i = sub.create(idx).reshape(batch, FEATURES);
                            NDArray v = sub.create(val).reshape(batch, FEATURES);
                            NDArray y = sub.create(label);
                            NDArray logits = trainer.forward(new NDList(i, v)).singletonOrThrow();
                            NDArray loss =
                                    trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                }
            }
            List<ModelSpec.Feature> features = new ArrayList<>();
            for (int j = 0; j < FEATURES; j++) {
                features.add(new ModelSpec.Feature(feature(j), VIEW, raw(j)));
            }
            ModelSpec spec =
                    new ModelSpec(
                            MODEL,
                            VERSION,
                            "logistic",
                            "user_id",
                            features,
                            new ModelSpec.Scaling("none", null, null),
                            0.5,
                            arch,
                            "2026-11-20T00:00:00Z",
                            null,
                            null,
                            null,
                            null);
            trainedParameters = net.parameterArrays();
            try {
                ModelArtifact.write(dir, spec, net);
                FeatureStatistics.of(
                                matrix(data),
                                features.stream().map(ModelSpec.Feature::name).toList())
                        .write(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
