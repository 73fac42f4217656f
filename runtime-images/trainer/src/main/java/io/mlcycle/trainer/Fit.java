package io.mlcycle.trainer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.Djl;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.model.SparseInput;
import io.mlcycle.model.TabularNet;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** One training of one network with fixed hyper-parameters, on a subset of rows. */
public final class Fit {

    private Fit() {}

    /** One point of the hyper-parameter grid. */
    public record Params(
            double learningRate,
            String optimizer,
            int epochs,
            int batchSize,
            int hiddenSize,
            int blocks,
            double dropout,
            double weightDecay) {

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("learningRate", learningRate);
            m.put("optimizer", optimizer);
            m.put("epochs", epochs);
            m.put("batchSize", batchSize);
            m.put("hiddenSize", hiddenSize);
            m.put("blocks", blocks);
            m.put("dropout", dropout);
            m.put("weightDecay", weightDecay);
            return m;
        }

        public ModelSpec.Architecture architecture(int inputs) {
            return new ModelSpec.Architecture(inputs, hiddenSize, blocks, dropout);
        }
    }

    /**
     * Trains on {@code rows} of {@code x} (raw values; {@code scale} multiplies each feature) and
     * returns the parameters by name. Seeded: the same inputs give the same parameters.
     */
    public static Map<String, float[]> train(
            Algorithm algorithm,
            Params p,
            SparseMatrix x,
            float[] scale,
            int[] y,
            int[] rows,
            long seed) {
        Djl.engine().setRandomSeed((int) (seed ^ (seed >>> 32)));
        TabularNet block = new TabularNet(algorithm, p.architecture(x.numFeatures()));
        boolean batchNorm = algorithm != Algorithm.LOGISTIC;
        try (Model model = Model.newInstance("mlcycle", Device.cpu(), Djl.ENGINE)) {
            block.initialize(model.getNDManager(), DataType.FLOAT32, TabularNet.inputShapes(1, 1));
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                            .optOptimizer(optimizer(p))
                            .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                int[] order = rows.clone();
                Random rnd = new Random(seed);
                for (int epoch = 0; epoch < p.epochs(); epoch++) {
                    shuffle(order, rnd);
                    int batch = 0;
                    for (int start = 0; start < order.length; start += p.batchSize(), batch++) {
                        int end = Math.min(order.length, start + p.batchSize());
                        if (batchNorm && end - start < 2) {
                            continue; // batch statistics of one row are meaningless
                        }
                        step(trainer, x, scale, y, order, start, end, epoch, batch);
                    }
                }
            }
            return block.parameterArrays();
        }
    }

    private static void step(
            Trainer trainer,
            SparseMatrix x,
            float[] scale,
            int[] y,
            int[] order,
            int start,
            int end,
            int epoch,
            int batch) {
        int b = end - start;
        int nnz = 0;
        for (int i = start; i < end; i++) {
            nnz += x.rowPtr()[order[i] + 1] - x.rowPtr()[order[i]];
        }
        long[] rowIdx = new long[nnz];
        long[] colIdx = new long[nnz];
        float[] val = new float[nnz];
        float[] lab = new float[b];
        int k = 0;
        for (int i = 0; i < b; i++) {
            int r = order[start + i];
            for (int q = x.rowPtr()[r]; q < x.rowPtr()[r + 1]; q++, k++) {
                int c = x.cols()[q];
                rowIdx[k] = i;
                colIdx[k] = c + 1L;
                val[k] = x.values()[q] * scale[c];
            }
            lab[i] = y[r];
        }
        try (NDManager bm = trainer.getManager().newSubManager()) {
            NDList in =
                    new NDList(
                            SparseInput.coo(
                                    bm,
                                    rowIdx,
                                    colIdx,
                                    val,
                                    new Shape(b, x.numFeatures() + 1L),
                                    "epoch " + epoch + " batch " + batch));
            NDArray labels = bm.create(lab);
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray z = trainer.forward(in).singletonOrThrow();
                // numerically stable log-loss from log-odds
                NDArray loss =
                        TabularNet.relu(z)
                                .sub(z.mul(labels))
                                .add(z.abs().neg().exp().add(1f).log())
                                .mean();
                gc.backward(loss);
            }
            trainer.step();
        }
    }

    private static Optimizer optimizer(Params p) {
        Tracker lr = Tracker.fixed((float) p.learningRate());
        String name = p.optimizer() == null ? "adam" : p.optimizer().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "adam" ->
                    Optimizer.adam()
                            .optLearningRateTracker(lr)
                            .optWeightDecays((float) p.weightDecay())
                            .build();
            case "sgd" ->
                    Optimizer.sgd()
                            .setLearningRateTracker(lr)
                            .optMomentum(0.9f)
                            .optWeightDecays((float) p.weightDecay())
                            .build();
            default ->
                    throw TaskFailure.invalid(
                            "UnknownOptimizer",
                            "hyperparameters.optimizer '" + p.optimizer() + "' is not adam or sgd");
        };
    }

    private static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
