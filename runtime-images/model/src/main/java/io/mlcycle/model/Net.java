package io.mlcycle.model;

import io.mlcycle.common.SparseMatrix;

import java.util.Map;
import java.util.stream.IntStream;

/**
 * The trained network in plain Java arrays: scoring and input gradients without any native state,
 * so one instance serves any number of threads and a single row costs microseconds.
 *
 * <p>It mirrors {@link TabularNet} in inference mode (dropout off, batch norm with running
 * statistics folded into one scale and shift per unit).
 */
public final class Net {

    static final double BN_EPS = 1e-5;

    private final Algorithm algorithm;
    private final int inputs;
    private final int hidden;
    private final int blocks;
    private final InputScaling scaling;
    private final float[] w0;
    private final float[] b0;

    /**
     * The first layer's weights of input {@code j} widened to double: row {@code j + 1} of {@code
     * w0}. A loop over one array without an offset is what C2 (JDK 17) vectorises, and widening is
     * exact, so the scores are the same bit for bit as over the float weights.
     */
    private final double[][] w0Rows;

    private final float[][] w1;
    private final float[][] b1;
    private final double[][] bnScale;
    private final double[][] bnShift;
    private final float[][] w2;

    /** {@code w1} and {@code w2} as rows of inputs widened to double (see {@link #w0Rows}). */
    private final double[][][] w1Rows;

    private final double[][][] w2Rows;
    private final float[][] b2;
    private final double[] headScale;
    private final double[] headShift;
    private final float[] wh;
    private final float bh;

    /**
     * @param params parameter arrays by {@link TabularNet} name
     * @param scaling raw feature value to first-layer input
     */
    Net(
            Algorithm algorithm,
            ModelSpec.Architecture arch,
            Map<String, float[]> params,
            InputScaling scaling) {
        this.algorithm = algorithm;
        this.inputs = arch.inputs();
        this.hidden = algorithm == Algorithm.LOGISTIC ? 1 : arch.hiddenSize();
        this.blocks = algorithm == Algorithm.LOGISTIC ? 0 : arch.blocks();
        if (scaling.features() != inputs) {
            throw new IllegalArgumentException(
                    "scaling covers " + scaling.features() + " features, expected " + inputs);
        }
        this.scaling = scaling;
        this.w0 = need(params, TabularNet.INPUT_WEIGHT, (long) (inputs + 1) * hidden);
        this.b0 = need(params, TabularNet.INPUT_BIAS, hidden);
        this.w0Rows = rows(w0, inputs + 1, hidden);
        w1 = new float[blocks][];
        b1 = new float[blocks][];
        bnScale = new double[blocks][];
        bnShift = new double[blocks][];
        w2 = new float[blocks][];
        b2 = new float[blocks][];
        w1Rows = new double[blocks][][];
        w2Rows = new double[blocks][][];
        for (int k = 0; k < blocks; k++) {
            String p = TabularNet.block(k);
            w1[k] = need(params, p + "w1", (long) hidden * hidden);
            b1[k] = need(params, p + "b1", hidden);
            w1Rows[k] = rows(w1[k], hidden, hidden);
            double[][] st = foldBatchNorm(params, p);
            bnScale[k] = st[0];
            bnShift[k] = st[1];
            if (algorithm == Algorithm.RESNET) {
                w2[k] = need(params, p + "w2", (long) hidden * hidden);
                b2[k] = need(params, p + "b2", hidden);
                w2Rows[k] = rows(w2[k], hidden, hidden);
            }
        }
        if (algorithm == Algorithm.RESNET) {
            double[][] st = foldBatchNorm(params, TabularNet.HEAD);
            headScale = st[0];
            headShift = st[1];
        } else {
            headScale = null;
            headShift = null;
        }
        if (algorithm == Algorithm.LOGISTIC) {
            wh = null;
            bh = 0f;
        } else {
            wh = need(params, TabularNet.HEAD + "w", hidden);
            bh = need(params, TabularNet.HEAD + "b", 1)[0];
        }
    }

    /** {@code w} stored (in, out) row-major as one double array per input. */
    private static double[][] rows(float[] w, int in, int out) {
        double[][] r = new double[in][out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                r[i][o] = w[i * out + o];
            }
        }
        return r;
    }

    private double[][] foldBatchNorm(Map<String, float[]> params, String prefix) {
        float[] gamma = need(params, prefix + "gamma", hidden);
        float[] beta = need(params, prefix + "beta", hidden);
        float[] mean = need(params, prefix + "mean", hidden);
        float[] var = need(params, prefix + "var", hidden);
        double[] scale = new double[hidden];
        double[] shift = new double[hidden];
        for (int i = 0; i < hidden; i++) {
            scale[i] = gamma[i] / Math.sqrt(var[i] + BN_EPS);
            shift[i] = beta[i] - mean[i] * scale[i];
        }
        return new double[][] {scale, shift};
    }

    private static float[] need(Map<String, float[]> params, String name, long size) {
        float[] a = params.get(name);
        if (a == null || a.length != size) {
            throw new IllegalArgumentException(
                    "parameter "
                            + name
                            + (a == null ? " is missing" : " has " + a.length + " values")
                            + ", expected "
                            + size);
        }
        return a;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public int inputs() {
        return inputs;
    }

    public int hidden() {
        return hidden;
    }

    /** The first layer's input for raw value {@code raw} of feature {@code j}. */
    public double input(int j, float raw) {
        return scaling.input(j, raw);
    }

    public InputScaling scaling() {
        return scaling;
    }

    /** Log-odds of one row given as raw (unscaled) values at ascending feature indices. */
    public double logit(int[] idx, float[] val, int from, int to) {
        double[] a0 = new double[hidden];
        firstLayer(idx, val, from, to, 1.0, a0);
        addInputBias(a0);
        return fromFirstLayer(a0, null);
    }

    public double probability(int[] idx, float[] val, int from, int to) {
        return sigmoid(logit(idx, val, from, to));
    }

    /** Probabilities of all rows; rows are scored in parallel when there are many. */
    public float[] predict(SparseMatrix m) {
        return predictRows(m, inputs, this::probability);
    }

    /** A model's probability of one row given by ascending indices and raw values. */
    interface RowScorer {
        double probability(int[] idx, float[] val, int from, int to);
    }

    /** Every row of {@code m} scored by {@code scorer}, in parallel when there are many. */
    static float[] predictRows(SparseMatrix m, int inputs, RowScorer scorer) {
        if (m.numFeatures() != inputs) {
            throw new IllegalArgumentException(
                    "rows have " + m.numFeatures() + " features, the model expects " + inputs);
        }
        float[] out = new float[m.rows()];
        IntStream range = IntStream.range(0, m.rows());
        if (m.rows() >= 2048) {
            range = range.parallel();
        }
        range.forEach(
                r ->
                        out[r] =
                                (float)
                                        scorer.probability(
                                                m.cols(),
                                                m.values(),
                                                m.rowPtr()[r],
                                                m.rowPtr()[r + 1]));
        return out;
    }

    /**
     * Adds {@code weight ×} the first layer's contribution of raw values {@code val} at {@code idx}
     * (without the bias) to {@code out}.
     */
    public void firstLayer(int[] idx, float[] val, int from, int to, double weight, double[] out) {
        for (int k = from; k < to; k++) {
            int j = idx[k];
            double x = weight * scaling.input(j, val[k]);
            if (x == 0) {
                continue;
            }
            double[] w = w0Rows[j + 1];
            for (int h = 0; h < hidden; h++) {
                out[h] += x * w[h];
            }
        }
    }

    public void addInputBias(double[] a0) {
        for (int h = 0; h < hidden; h++) {
            a0[h] += b0[h];
        }
    }

    /** Dot product of the first-layer weights of feature {@code j} with {@code v}. */
    public double inputWeightDot(int j, double[] v) {
        int base = (j + 1) * hidden;
        double s = 0;
        for (int h = 0; h < hidden; h++) {
            s += w0[base + h] * v[h];
        }
        return s;
    }

    /**
     * The log-odds from the first layer's output (bias included); when {@code gradient} is not null
     * it receives d logit / d a0.
     */
    public double fromFirstLayer(double[] a0, double[] gradient) {
        return switch (algorithm) {
            case LOGISTIC -> {
                if (gradient != null) {
                    gradient[0] = 1.0;
                }
                yield a0[0];
            }
            case MLP -> mlp(a0, gradient);
            case RESNET -> resnet(a0, gradient);
            case XGBOOST, ENSEMBLE ->
                    throw new IllegalStateException(algorithm.id() + " is not a network");
        };
    }

    private double mlp(double[] a0, double[] gradient) {
        double[][] pre = new double[blocks + 1][];
        pre[0] = a0;
        double[] h = relu(a0);
        for (int k = 0; k < blocks; k++) {
            double[] n = affine(h, w1Rows[k], b1[k]);
            for (int i = 0; i < hidden; i++) {
                n[i] = n[i] * bnScale[k][i] + bnShift[k][i];
            }
            pre[k + 1] = n;
            h = relu(n);
        }
        double out = bh;
        for (int i = 0; i < hidden; i++) {
            out += h[i] * wh[i];
        }
        if (gradient != null) {
            double[] g = new double[hidden];
            for (int i = 0; i < hidden; i++) {
                g[i] = wh[i];
            }
            for (int k = blocks - 1; k >= 0; k--) {
                double[] gl = new double[hidden];
                for (int i = 0; i < hidden; i++) {
                    gl[i] = pre[k + 1][i] > 0 ? g[i] * bnScale[k][i] : 0;
                }
                g = backAffine(gl, w1[k]);
            }
            for (int i = 0; i < hidden; i++) {
                gradient[i] = a0[i] > 0 ? g[i] : 0;
            }
        }
        return out;
    }

    private double resnet(double[] a0, double[] gradient) {
        double[][] pre = new double[blocks][];
        double[] h = a0.clone();
        for (int k = 0; k < blocks; k++) {
            double[] n = affine(h, w1Rows[k], b1[k]);
            for (int i = 0; i < hidden; i++) {
                n[i] = n[i] * bnScale[k][i] + bnShift[k][i];
            }
            pre[k] = n;
            double[] o = affine(relu(n), w2Rows[k], b2[k]);
            for (int i = 0; i < hidden; i++) {
                h[i] += o[i];
            }
        }
        double[] n = new double[hidden];
        double out = bh;
        for (int i = 0; i < hidden; i++) {
            n[i] = h[i] * headScale[i] + headShift[i];
            if (n[i] > 0) {
                out += n[i] * wh[i];
            }
        }
        if (gradient != null) {
            double[] g = new double[hidden];
            for (int i = 0; i < hidden; i++) {
                g[i] = n[i] > 0 ? wh[i] * headScale[i] : 0;
            }
            for (int k = blocks - 1; k >= 0; k--) {
                double[] gr = backAffine(g, w2[k]);
                for (int i = 0; i < hidden; i++) {
                    gr[i] = pre[k][i] > 0 ? gr[i] * bnScale[k][i] : 0;
                }
                double[] gh = backAffine(gr, w1[k]);
                for (int i = 0; i < hidden; i++) {
                    g[i] += gh[i];
                }
            }
            System.arraycopy(g, 0, gradient, 0, hidden);
        }
        return out;
    }

    /**
     * x · W + b with W given as one row per input ({@link #rows}). Four inputs at a time: {@code
     * out + a + b + c + d} evaluates left to right, the same additions in the same order as four
     * passes, so the result is the same bit for bit while {@code out} is read and written a quarter
     * as often. Zero inputs are skipped, as they always were.
     */
    private double[] affine(double[] x, double[][] w, float[] b) {
        double[] out = new double[hidden];
        for (int o = 0; o < hidden; o++) {
            out[o] = b[o];
        }
        int[] nz = new int[hidden];
        int m = 0;
        for (int i = 0; i < hidden; i++) {
            if (x[i] != 0) {
                nz[m++] = i;
            }
        }
        int k = 0;
        for (; k + 4 <= m; k += 4) {
            double x0 = x[nz[k]];
            double x1 = x[nz[k + 1]];
            double x2 = x[nz[k + 2]];
            double x3 = x[nz[k + 3]];
            double[] wa = w[nz[k]];
            double[] wb = w[nz[k + 1]];
            double[] wc = w[nz[k + 2]];
            double[] wd = w[nz[k + 3]];
            for (int o = 0; o < hidden; o++) {
                out[o] = out[o] + x0 * wa[o] + x1 * wb[o] + x2 * wc[o] + x3 * wd[o];
            }
        }
        for (; k < m; k++) {
            double xi = x[nz[k]];
            double[] wi = w[nz[k]];
            for (int o = 0; o < hidden; o++) {
                out[o] += xi * wi[o];
            }
        }
        return out;
    }

    /** W · g: the gradient of x · W with respect to x. */
    private double[] backAffine(double[] g, float[] w) {
        double[] out = new double[hidden];
        for (int i = 0; i < hidden; i++) {
            int base = i * hidden;
            double s = 0;
            for (int o = 0; o < hidden; o++) {
                s += w[base + o] * g[o];
            }
            out[i] = s;
        }
        return out;
    }

    private static double[] relu(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.max(0, x[i]);
        }
        return out;
    }

    public static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
