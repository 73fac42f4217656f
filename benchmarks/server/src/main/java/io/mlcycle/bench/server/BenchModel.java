package io.mlcycle.bench.server;

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
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.Djl;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.model.TabularNet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic sparse event counts with a planted signal, and a resnet trained on them with DJL and
 * written as a trainer artifact: the benchmark serves a model that really learned something.
 */
final class BenchModel {

    static final String VIEW = "events";

    /** One row: ascending feature indices and their counts. */
    record Row(int[] idx, float[] val) {}

    private final int features;
    private final double[] weight;
    private final double[] popularity;

    BenchModel(int features, long seed) {
        this.features = features;
        Random rnd = new Random(seed);
        weight = new double[features];
        popularity = new double[features];
        double total = 0;
        for (int j = 0; j < features; j++) {
            // a few informative features among many that are noise
            weight[j] = j % 10 == 0 ? rnd.nextGaussian() : 0;
            popularity[j] = 1.0 / (j + 1); // Zipf: some events are common, most are rare
            total += popularity[j];
        }
        for (int j = 0; j < features; j++) {
            popularity[j] /= total;
        }
    }

    static String featureName(int j) {
        return VIEW + "/e" + j;
    }

    /** A row with about {@code nnz} distinct events, Zipf-distributed. */
    Row row(Random rnd, int nnz) {
        boolean[] on = new boolean[features];
        float[] count = new float[features];
        for (int k = 0; k < nnz; k++) {
            double u = rnd.nextDouble();
            int j = 0;
            while (j < features - 1 && (u -= popularity[j]) > 0) {
                j++;
            }
            on[j] = true;
            count[j] += 1 + rnd.nextInt(3);
        }
        int n = 0;
        for (boolean b : on) {
            n += b ? 1 : 0;
        }
        int[] idx = new int[n];
        float[] val = new float[n];
        int k = 0;
        for (int j = 0; j < features; j++) {
            if (on[j]) {
                idx[k] = j;
                val[k++] = count[j];
            }
        }
        return new Row(idx, val);
    }

    boolean label(Row r, Random rnd) {
        double z = -0.5;
        for (int k = 0; k < r.idx().length; k++) {
            z += weight[r.idx()[k]] * Math.log1p(r.val()[k]);
        }
        return rnd.nextDouble() < 1 / (1 + Math.exp(-z));
    }

    /** Trains a resnet on {@code rows} synthetic rows and writes the artifact into {@code dir}. */
    void train(Path dir, int rows, int hidden, int blocks, int epochs) throws IOException {
        Random rnd = new Random(42);
        List<Row> data = new ArrayList<>();
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++) {
            Row r = row(rnd, 12);
            data.add(r);
            labels[i] = label(r, rnd) ? 1f : 0f;
        }
        ModelSpec.Architecture arch = new ModelSpec.Architecture(features, hidden, blocks, 0.0);
        TabularNet net = new TabularNet(Algorithm.RESNET, arch);
        int batch = 128;
        int width = 0;
        for (Row r : data) {
            width = Math.max(width, r.idx().length);
        }
        try (Model model = Model.newInstance("bench", Djl.ENGINE)) {
            model.setBlock(net);
            DefaultTrainingConfig cfg =
                    new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.003f))
                                            .build());
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(TabularNet.inputShapes(batch, width));
                NDManager m = trainer.getManager();
                for (int epoch = 0; epoch < epochs; epoch++) {
                    for (int from = 0; from + batch <= rows; from += batch) {
                        long[] idx = new long[batch * width];
                        float[] val = new float[batch * width];
                        float[] y = new float[batch];
                        for (int b = 0; b < batch; b++) {
                            Row r = data.get(from + b);
                            for (int k = 0; k < r.idx().length; k++) {
                                idx[b * width + k] = r.idx()[k] + 1L;
                                val[b * width + k] = r.val()[k];
                            }
                            y[b] = labels[from + b];
                        }
                        try (NDManager sub = m.newSubManager();
                                GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray i = sub.create(idx).reshape(batch, width);
                            NDArray v = sub.create(val).reshape(batch, width);
                            NDArray logits = trainer.forward(new NDList(i, v)).singletonOrThrow();
                            gc.backward(
                                    trainer.getLoss()
                                            .evaluate(
                                                    new NDList(sub.create(y)), new NDList(logits)));
                        }
                        trainer.step();
                    }
                }
            }
            List<ModelSpec.Feature> fs = new ArrayList<>();
            for (int j = 0; j < features; j++) {
                fs.add(new ModelSpec.Feature(featureName(j), VIEW, "e" + j));
            }
            ModelSpec spec =
                    new ModelSpec(
                            "bench",
                            1,
                            "resnet",
                            "user_id",
                            fs,
                            new ModelSpec.Scaling("none", null, null),
                            0.5,
                            arch,
                            java.time.Instant.now().toString(),
                            null,
                            null,
                            null,
                            null);
            ModelArtifact.write(dir, spec, net);
        }
    }
}
