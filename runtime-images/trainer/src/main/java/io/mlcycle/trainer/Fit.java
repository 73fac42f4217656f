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
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.model.SparseInput;
import io.mlcycle.model.TabularNet;
import io.mlcycle.task.Progress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** One training of one network with fixed hyper-parameters, on a subset of rows. */
public final class Fit {

    private Fit() {}

    /**
     * One point of the hyper-parameter grid.
     *
     * @param learningRateSchedule constant, or cosine (decay from the learning rate towards 0 over
     *     all updates of all epochs)
     */
    public record Params(
            double learningRate,
            String optimizer,
            int epochs,
            int batchSize,
            int hiddenSize,
            int blocks,
            double dropout,
            double weightDecay,
            String learningRateSchedule) {

        /** A constant learning rate. */
        public Params(
                double learningRate,
                String optimizer,
                int epochs,
                int batchSize,
                int hiddenSize,
                int blocks,
                double dropout,
                double weightDecay) {
            this(
                    learningRate,
                    optimizer,
                    epochs,
                    batchSize,
                    hiddenSize,
                    blocks,
                    dropout,
                    weightDecay,
                    CONSTANT);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (NEWTON.equals(optimizer)) {
                m.put("weightDecay", weightDecay);
                m.put(
                        "l2",
                        weightDecay > 0
                                ? "fixed at weightDecay (the task's, or auto's choice by inner"
                                        + " folds)"
                                : "chosen on validation rows");
                return m;
            }
            if (XGBOOST.equals(optimizer)) {
                boolean fixed = blocks > 0 && epochs > 0;
                m.put("eta", learningRate);
                m.put(
                        "maxDepth",
                        fixed
                                ? blocks
                                : "chosen from " + java.util.Arrays.toString(Boosted.DEPTHS));
                m.put("rounds", fixed ? epochs : "early stopping, at most " + Boosted.MAX_ROUNDS);
                return m;
            }
            m.put("learningRate", learningRate);
            m.put("learningRateSchedule", schedule());
            m.put("optimizer", optimizer);
            m.put("epochs", epochs);
            m.put("batchSize", batchSize);
            m.put("hiddenSize", hiddenSize);
            m.put("blocks", blocks);
            m.put("dropout", dropout);
            m.put("weightDecay", weightDecay);
            return m;
        }

        String schedule() {
            return learningRateSchedule == null
                    ? CONSTANT
                    : learningRateSchedule.toLowerCase(Locale.ROOT);
        }

        public ModelSpec.Architecture architecture(int inputs) {
            return new ModelSpec.Architecture(inputs, hiddenSize, blocks, dropout);
        }
    }

    static final String CONSTANT = "constant";

    /** The optimizer of logistic points: Newton's method to the optimum (see {@link Logistic}). */
    static final String NEWTON = "newton";

    /**
     * The optimizer of xgboost points: XGBoost's own boosting (see {@link Boosted}); {@code blocks}
     * is the depth and {@code epochs} the rounds, both 0 until the search has chosen them.
     */
    static final String XGBOOST = "xgboost";

    static final String COSINE = "cosine";
    static final List<String> SCHEDULES = List.of(CONSTANT, COSINE);

    /**
     * Early stopping: a stratified share of the training rows is held out of training, the network
     * is scored on it after every epoch, and the parameters of the best epoch are kept.
     *
     * @param validationFraction share of the training rows held out (0 &lt; f &lt; 1)
     * @param patience epochs without improvement before training stops (&gt;= 1)
     * @param metric what "best" means (a {@link Metrics} name, e.g. auc or logLoss)
     */
    public record EarlyStopping(double validationFraction, int patience, String metric) {}

    /**
     * What one training produced.
     *
     * @param params parameters by {@link TabularNet} name
     * @param epochs epochs trained
     * @param bestEpoch 1-based epoch whose parameters were kept (the last without early stopping)
     * @param history the early-stopping metric after each epoch (empty without early stopping); for
     *     logistic, the validation AUC at each λ of {@link Logistic#PATH} (empty when fixed) for
     *     xgboost, the validation AUC at each depth of {@link Boosted#DEPTHS}
     * @param l2 logistic only: the L2 strength λ fitted with (null otherwise)
     * @param trees xgboost only: the trees ({@code params} is then empty, {@code epochs} the rounds
     *     and {@code bestEpoch} the depth chosen)
     */
    public record Fitted(
            Map<String, float[]> params,
            int epochs,
            int bestEpoch,
            List<Double> history,
            Double l2,
            io.mlcycle.model.Trees trees) {}

    /** {@link #fit} with min-max multipliers {@code scale} and no early stopping. */
    public static Map<String, float[]> train(
            Algorithm algorithm,
            Params p,
            SparseMatrix x,
            float[] scale,
            int[] y,
            int[] rows,
            long seed) {
        return fit(algorithm, p, x, InputScaling.multipliers(scale), y, rows, seed, null).params();
    }

    /**
     * Trains on {@code rows} of {@code x} (raw values; {@code scaling} maps them to the network's
     * input) and returns the parameters. Seeded: the same inputs give the same parameters. With
     * {@code stop}, the held-out share comes out of {@code rows}: nothing outside them is seen.
     */
    public static Fitted fit(
            Algorithm algorithm,
            Params p,
            SparseMatrix x,
            InputScaling scaling,
            int[] y,
            int[] rows,
            long seed,
            EarlyStopping stop) {
        if (algorithm == Algorithm.LOGISTIC) {
            // a convex problem: solved to its optimum, so epochs and early stopping do not apply
            Logistic.Result r = Logistic.fit(x, scaling, y, rows, p.weightDecay(), seed);
            return new Fitted(r.params(), 0, 0, r.history(), r.lambda(), null);
        }
        if (algorithm == Algorithm.XGBOOST) {
            Boosted.Result r = Boosted.fit(x, y, rows, seed, p.blocks(), p.epochs());
            return new Fitted(Map.of(), r.rounds(), r.depth(), r.history(), null, r.trees());
        }
        Djl.engine().setRandomSeed((int) (seed ^ (seed >>> 32)));
        int[][] split = stoppingSplit(y, rows, seed, stop);
        int[] trainRows = split[0];
        int[] validRows = split[1];
        float[] inputs = scaledInputs(x, scaling, trainRows);
        TabularNet block = new TabularNet(algorithm, p.architecture(x.numFeatures()));
        boolean batchNorm = algorithm != Algorithm.LOGISTIC;
        int batchesPerEpoch = (trainRows.length + p.batchSize() - 1) / p.batchSize();
        try (Model model = Model.newInstance("mlcycle", Device.cpu(), Djl.ENGINE)) {
            block.initialize(model.getNDManager(), DataType.FLOAT32, TabularNet.inputShapes(1, 1));
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                            .optOptimizer(optimizer(p, Math.max(1, p.epochs() * batchesPerEpoch)))
                            .optDevices(new Device[] {Device.cpu()});
            List<Double> history = new ArrayList<>();
            Map<String, float[]> best = null;
            double bestValue = Double.NaN;
            int bestEpoch = 0;
            int epoch = 0;
            try (Trainer trainer = model.newTrainer(config)) {
                int[] order = trainRows.clone();
                Random rnd = new Random(seed);
                while (epoch < p.epochs()) {
                    shuffle(order, rnd);
                    double trainLoss =
                            epochLoss(
                                    trainer, x, inputs, y, order, p.batchSize(), batchNorm, epoch);
                    epoch++;
                    if (validRows == null) {
                        Progress.report(
                                "%s epoch %d/%d, loss %.4f",
                                algorithm.id(), epoch, p.epochs(), trainLoss);
                        continue;
                    }
                    Map<String, float[]> now = block.parameterArrays();
                    double value =
                            score(algorithm, p, now, x, scaling, y, validRows, stop.metric());
                    history.add(value);
                    Progress.report(
                            "%s epoch %d/%d, loss %.4f, %s %.4f",
                            algorithm.id(), epoch, p.epochs(), trainLoss, stop.metric(), value);
                    if (best == null || better(value, bestValue, stop.metric())) {
                        best = now;
                        bestValue = value;
                        bestEpoch = epoch;
                    } else if (epoch - bestEpoch >= stop.patience()) {
                        break;
                    }
                }
            }
            return best != null
                    ? new Fitted(best, epoch, bestEpoch, List.copyOf(history), null, null)
                    : new Fitted(block.parameterArrays(), epoch, epoch, List.of(), null, null);
        }
    }

    /** One epoch's mini-batch steps over {@code order}; the mean loss per row (NaN: no step). */
    private static double epochLoss(
            Trainer trainer,
            SparseMatrix x,
            float[] inputs,
            int[] y,
            int[] order,
            int batchSize,
            boolean batchNorm,
            int epoch) {
        double lossSum = 0;
        int lossRows = 0;
        int batch = 0;
        for (int start = 0; start < order.length; start += batchSize, batch++) {
            int end = Math.min(order.length, start + batchSize);
            if (batchNorm && end - start < 2) {
                continue; // batch statistics of one row are meaningless
            }
            lossSum += step(trainer, x, inputs, y, order, start, end, epoch, batch);
            lossRows += end - start;
        }
        return lossRows == 0 ? Double.NaN : lossSum / lossRows;
    }

    /**
     * {training rows, held-out rows} for early stopping; the held-out rows are null without
     * stopping or when they would miss a class (nothing to stop on).
     */
    private static int[][] stoppingSplit(int[] y, int[] rows, long seed, EarlyStopping stop) {
        if (stop == null) {
            return new int[][] {rows, null};
        }
        Splits.Split s =
                Splits.holdout(Validator.labelsOf(y, rows), stop.validationFraction(), seed);
        int[] valLabels = Validator.labelsOf(y, pick(rows, s.test()));
        int pos = java.util.Arrays.stream(valLabels).sum();
        if (pos > 0 && pos < valLabels.length && s.train().length > 0) {
            return new int[][] {pick(rows, s.train()), pick(rows, s.test())};
        }
        return new int[][] {rows, null};
    }

    /**
     * The network's inputs once, not per epoch (log1p is not free); the same values the scorer
     * computes with scaling.input.
     */
    private static float[] scaledInputs(SparseMatrix x, InputScaling scaling, int[] rows) {
        float[] inputs = new float[(int) x.nonZeros()];
        for (int r : rows) {
            for (int q = x.rowPtr()[r]; q < x.rowPtr()[r + 1]; q++) {
                inputs[q] = (float) scaling.input(x.cols()[q], x.values()[q]);
            }
        }
        return inputs;
    }

    private static boolean better(double value, double best, String metric) {
        if (!Double.isFinite(value)) {
            return false;
        }
        if (!Double.isFinite(best)) {
            return true;
        }
        return Metrics.higherIsBetter(metric) ? value > best : value < best;
    }

    /** The metric of the network {@code params} on {@code rows} (threshold: best F1 there). */
    private static double score(
            Algorithm algorithm,
            Params p,
            Map<String, float[]> params,
            SparseMatrix x,
            InputScaling scaling,
            int[] y,
            int[] rows,
            String metric) {
        float[] scores = Validator.score(algorithm, p, params, x, scaling, rows);
        int[] labels = Validator.labelsOf(y, rows);
        return Metrics.of(scores, labels, Metrics.bestF1Threshold(scores, labels)).get(metric);
    }

    static int[] pick(int[] rows, int[] positions) {
        int[] out = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            out[i] = rows[positions[i]];
        }
        return out;
    }

    /** One update on rows {@code order[start, end)}; returns their summed training log-loss. */
    private static double step(
            Trainer trainer,
            SparseMatrix x,
            float[] inputs,
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
                val[k] = inputs[q];
            }
            lab[i] = y[r];
        }
        double sum;
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
                sum = loss.getFloat() * (double) b;
            }
            trainer.step();
        }
        return sum;
    }

    private static Optimizer optimizer(Params p, int updates) {
        float base = (float) p.learningRate();
        Tracker lr =
                switch (p.schedule()) {
                    case CONSTANT -> Tracker.fixed(base);
                    case COSINE -> n -> cosine(base, n, updates);
                    default ->
                            throw TaskFailure.invalid(
                                    "InvalidHyperparameter",
                                    "hyperparameters.learningRateSchedule '"
                                            + p.learningRateSchedule()
                                            + "' is not one of "
                                            + SCHEDULES);
                };
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

    /**
     * Cosine decay from {@code base} at the first update towards 0 at the last; DJL counts each
     * parameter's updates from 1.
     */
    static float cosine(float base, int update, int updates) {
        double progress = Math.min(1.0, (update - 1) / (double) updates);
        return (float) (base * 0.5 * (1 + Math.cos(Math.PI * progress)));
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
