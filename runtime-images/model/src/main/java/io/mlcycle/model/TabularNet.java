package io.mlcycle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * The DJL network the trainer fits. Its first layer is an embedding bag: it sums the weight vectors
 * of a row's non-zero features scaled by their values, so its cost grows with the non-zeros and not
 * with rows × features. Input is either one sparse COO matrix (rows, inputs + 1) of scaled values
 * at column index + 1 (what the trainer feeds, built with {@link SparseInput#coo}), or two dense
 * (rows, width) arrays of index + 1 and scaled value padded with index 0 (an embedding lookup; same
 * result). Column 0 is padding.
 *
 * <ul>
 *   <li>logistic: that layer with width 1 is the log-odds.
 *   <li>mlp: ReLU, then per block Linear → BatchNorm → ReLU → Dropout, then Linear to 1.
 *   <li>resnet: per block x + Dropout(Linear(Dropout(ReLU(BatchNorm(Linear(x)))))), then BatchNorm
 *       → ReLU → Linear to 1 (the ResNet baseline of Gorishniy et al. 2021).
 * </ul>
 *
 * Weights are stored (in, out) so a forward pass is {@code x.matMul(w)}; {@link Net} reads the same
 * parameters for scoring.
 */
public final class TabularNet extends AbstractBlock {

    static final String INPUT_WEIGHT = "input_w";
    static final String INPUT_BIAS = "input_b";
    static final String HEAD = "head_";
    private static final float BN_MOMENTUM = 0.9f;

    private final Algorithm algorithm;
    private final int inputs;
    private final int hidden;
    private final int blocks;
    private final float dropout;
    private final List<Parameter> params = new ArrayList<>();

    public TabularNet(Algorithm algorithm, ModelSpec.Architecture arch) {
        super((byte) 1);
        this.algorithm = algorithm;
        this.inputs = arch.inputs();
        this.hidden = algorithm == Algorithm.LOGISTIC ? 1 : arch.hiddenSize();
        this.blocks = algorithm == Algorithm.LOGISTIC ? 0 : arch.blocks();
        this.dropout = (float) arch.dropout();
        if (inputs < 1 || hidden < 1 || blocks < 0) {
            throw new IllegalArgumentException("invalid architecture " + arch);
        }
        // Sparse rows touch few inputs at once: scale the first layer by a typical row, not by
        // all features, so early activations are not vanishingly small.
        add(INPUT_WEIGHT, Parameter.Type.WEIGHT, new Shape(inputs + 1, hidden), uniform(8));
        add(INPUT_BIAS, Parameter.Type.BIAS, new Shape(hidden), new ConstantInitializer(0f));
        for (int k = 0; k < blocks; k++) {
            String p = block(k);
            add(p + "w1", Parameter.Type.WEIGHT, new Shape(hidden, hidden), uniform(hidden));
            add(p + "b1", Parameter.Type.BIAS, new Shape(hidden), new ConstantInitializer(0f));
            addBatchNorm(p);
            if (algorithm == Algorithm.RESNET) {
                add(p + "w2", Parameter.Type.WEIGHT, new Shape(hidden, hidden), uniform(hidden));
                add(p + "b2", Parameter.Type.BIAS, new Shape(hidden), new ConstantInitializer(0f));
            }
        }
        if (algorithm == Algorithm.RESNET) {
            addBatchNorm(HEAD);
        }
        if (algorithm != Algorithm.LOGISTIC) {
            add(HEAD + "w", Parameter.Type.WEIGHT, new Shape(hidden, 1), uniform(hidden));
            add(HEAD + "b", Parameter.Type.BIAS, new Shape(1), new ConstantInitializer(0f));
        }
    }

    static String block(int k) {
        return "block" + k + "_";
    }

    private static Initializer uniform(int fanIn) {
        float s = (float) (1.0 / Math.sqrt(fanIn));
        return (manager, shape, dataType) -> manager.randomUniform(-s, s, shape, dataType);
    }

    private void addBatchNorm(String p) {
        add(p + "gamma", Parameter.Type.GAMMA, new Shape(hidden), new ConstantInitializer(1f));
        add(p + "beta", Parameter.Type.BETA, new Shape(hidden), new ConstantInitializer(0f));
        add(
                p + "mean",
                Parameter.Type.RUNNING_MEAN,
                new Shape(hidden),
                new ConstantInitializer(0f));
        add(p + "var", Parameter.Type.RUNNING_VAR, new Shape(hidden), new ConstantInitializer(1f));
    }

    private void add(String name, Parameter.Type type, Shape shape, Initializer init) {
        boolean running = type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR;
        Parameter p =
                addParameter(
                        Parameter.builder()
                                .setName(name)
                                .setType(type)
                                .optShape(shape)
                                .optInitializer(init)
                                .optRequiresGrad(!running)
                                .build());
        params.add(p);
    }

    /**
     * Shapes of the two inputs for a batch of {@code rows} rows with up to {@code width} non-zeros.
     */
    public static Shape[] inputShapes(int rows, int width) {
        return new Shape[] {new Shape(rows, width), new Shape(rows, width)};
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0))};
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = firstLayer(ps, inputs, training);
        if (algorithm == Algorithm.LOGISTIC) {
            return new NDList(x.reshape(-1));
        }
        if (algorithm == Algorithm.MLP) {
            x = relu(x);
        }
        for (int k = 0; k < blocks; k++) {
            String p = block(k);
            NDArray l =
                    x.matMul(value(ps, x, p + "w1", training))
                            .add(value(ps, x, p + "b1", training));
            NDArray r = relu(batchNorm(ps, l, p, training));
            r = dropout(r, training);
            if (algorithm == Algorithm.RESNET) {
                NDArray o =
                        r.matMul(value(ps, x, p + "w2", training))
                                .add(value(ps, x, p + "b2", training));
                x = x.add(dropout(o, training));
            } else {
                x = r;
            }
        }
        if (algorithm == Algorithm.RESNET) {
            x = relu(batchNorm(ps, x, HEAD, training));
        }
        NDArray out =
                x.matMul(value(ps, x, HEAD + "w", training))
                        .add(value(ps, x, HEAD + "b", training));
        return new NDList(out.reshape(-1));
    }

    private NDArray firstLayer(ParameterStore ps, NDList inputs, boolean training) {
        NDArray first = inputs.get(0);
        NDArray w0 = value(ps, first, INPUT_WEIGHT, training);
        NDArray b0 = value(ps, first, INPUT_BIAS, training);
        if (inputs.size() == 1) {
            // sparse (rows, inputs + 1) matrix: PyTorch's sparse × dense product and its gradient
            // both cost non-zeros × hidden
            return first.matMul(w0).add(b0);
        }
        NDArray idx =
                first.getDataType() == DataType.INT64 ? first : first.toType(DataType.INT64, false);
        NDArray emb =
                idx.getNDArrayInternal().embedding(idx, w0, SparseFormat.DENSE).singletonOrThrow();
        return emb.mul(inputs.get(1).expandDims(2)).sum(new int[] {1}).add(b0);
    }

    /**
     * ReLU as PyTorch's own op. Not {@code x.maximum(0f)}: DJL makes that 0 a tensor over a JVM
     * direct buffer and closes it at once, while autograd keeps it for the backward pass, so after
     * a garbage collection the gradient mask compares against freed memory.
     */
    public static NDArray relu(NDArray x) {
        return Activation.relu(x);
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || dropout <= 0) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, dropout, true).singletonOrThrow();
    }

    private NDArray batchNorm(ParameterStore ps, NDArray x, String p, boolean training) {
        NDArray gamma = value(ps, x, p + "gamma", training);
        NDArray beta = value(ps, x, p + "beta", training);
        NDArray runningMean = value(ps, x, p + "mean", training);
        NDArray runningVar = value(ps, x, p + "var", training);
        // PyTorch's fused batch norm: one op, and it updates the running statistics in place
        return x.getNDArrayInternal()
                .batchNorm(
                        x,
                        runningMean,
                        runningVar,
                        gamma,
                        beta,
                        1,
                        BN_MOMENTUM,
                        (float) Net.BN_EPS,
                        training)
                .singletonOrThrow();
    }

    private NDArray value(ParameterStore ps, NDArray like, String name, boolean training) {
        return ps.getValue(parameters.get(name), like.getDevice(), training);
    }

    /** Every parameter as a flat float array by name (what {@link Net} is built from). */
    public java.util.Map<String, float[]> parameterArrays() {
        java.util.Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Parameter p : params) {
            out.put(p.getName(), p.getArray().toFloatArray());
        }
        return out;
    }

    /**
     * The parameters of the logistic network with feature weights {@code weights} (in feature
     * order) and bias {@code bias}, for a linear model fitted outside DJL.
     */
    public static java.util.Map<String, float[]> linearParameters(float[] weights, float bias) {
        float[] w = new float[weights.length + 1]; // row 0 is the padding index
        System.arraycopy(weights, 0, w, 1, weights.length);
        return java.util.Map.of(INPUT_WEIGHT, w, INPUT_BIAS, new float[] {bias});
    }

    public Algorithm algorithm() {
        return algorithm;
    }
}
