package io.mlcycle.model;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class NetTest {

    private static final int INPUTS = 37;
    private static final int HIDDEN = 24;
    private static final int BLOCKS = 2;

    @Test
    void resnetAndMlpScoreBitForBitAsThePlainFloatWeightLoops() {
        Random rnd = new Random(3);
        for (Algorithm algorithm : new Algorithm[] {Algorithm.RESNET, Algorithm.MLP}) {
            Map<String, float[]> params = params(rnd, algorithm);
            Net net =
                    new Net(
                            algorithm,
                            new ModelSpec.Architecture(INPUTS, HIDDEN, BLOCKS, 0.0),
                            params,
                            InputScaling.none(INPUTS));
            for (int row = 0; row < 200; row++) {
                int nnz = 1 + rnd.nextInt(12);
                int[] idx = rnd.ints(0, INPUTS).distinct().limit(nnz).sorted().toArray();
                float[] val = new float[idx.length];
                for (int k = 0; k < val.length; k++) {
                    val[k] = rnd.nextInt(4) == 0 ? 0f : (float) (rnd.nextGaussian() * 3);
                }
                assertThat(net.logit(idx, val, 0, idx.length))
                        .as("%s row %d", algorithm, row)
                        .isEqualTo(reference(algorithm, params, idx, val));
            }
        }
    }

    /** The network as written before the weights were widened: float weights, flat arrays. */
    private static double reference(
            Algorithm algorithm, Map<String, float[]> p, int[] idx, float[] val) {
        double[] h = new double[HIDDEN];
        float[] w0 = p.get(TabularNet.INPUT_WEIGHT);
        for (int k = 0; k < idx.length; k++) {
            double x = val[k];
            for (int o = 0; o < HIDDEN && x != 0; o++) {
                h[o] += x * w0[(idx[k] + 1) * HIDDEN + o];
            }
        }
        for (int o = 0; o < HIDDEN; o++) {
            h[o] += p.get(TabularNet.INPUT_BIAS)[o];
        }
        if (algorithm == Algorithm.MLP) {
            h = relu(h);
        }
        for (int k = 0; k < BLOCKS; k++) {
            String b = TabularNet.block(k);
            double[] n = affine(h, p.get(b + "w1"), p.get(b + "b1"));
            double[][] bn = batchNorm(p, b);
            for (int i = 0; i < HIDDEN; i++) {
                n[i] = n[i] * bn[0][i] + bn[1][i];
            }
            if (algorithm == Algorithm.MLP) {
                h = relu(n);
                continue;
            }
            double[] o = affine(relu(n), p.get(b + "w2"), p.get(b + "b2"));
            for (int i = 0; i < HIDDEN; i++) {
                h[i] += o[i];
            }
        }
        double out = p.get(TabularNet.HEAD + "b")[0];
        float[] wh = p.get(TabularNet.HEAD + "w");
        double[][] head = algorithm == Algorithm.RESNET ? batchNorm(p, TabularNet.HEAD) : null;
        for (int i = 0; i < HIDDEN; i++) {
            double v = head == null ? h[i] : h[i] * head[0][i] + head[1][i];
            if (head == null || v > 0) {
                out += v * wh[i];
            }
        }
        return out;
    }

    private static double[] affine(double[] x, float[] w, float[] b) {
        double[] out = new double[HIDDEN];
        for (int o = 0; o < HIDDEN; o++) {
            out[o] = b[o];
        }
        for (int i = 0; i < HIDDEN; i++) {
            for (int o = 0; o < HIDDEN && x[i] != 0; o++) {
                out[o] += x[i] * w[i * HIDDEN + o];
            }
        }
        return out;
    }

    private static double[][] batchNorm(Map<String, float[]> p, String prefix) {
        double[][] st = new double[2][HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            st[0][i] =
                    p.get(prefix + "gamma")[i] / Math.sqrt(p.get(prefix + "var")[i] + Net.BN_EPS);
            st[1][i] = p.get(prefix + "beta")[i] - p.get(prefix + "mean")[i] * st[0][i];
        }
        return st;
    }

    private static double[] relu(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.max(0, x[i]);
        }
        return out;
    }

    private static Map<String, float[]> params(Random rnd, Algorithm algorithm) {
        Map<String, float[]> p = new HashMap<>();
        p.put(TabularNet.INPUT_WEIGHT, gaussian(rnd, (INPUTS + 1) * HIDDEN));
        p.put(TabularNet.INPUT_BIAS, gaussian(rnd, HIDDEN));
        for (int k = 0; k < BLOCKS; k++) {
            String b = TabularNet.block(k);
            p.put(b + "w1", gaussian(rnd, HIDDEN * HIDDEN));
            p.put(b + "b1", gaussian(rnd, HIDDEN));
            p.put(b + "w2", gaussian(rnd, HIDDEN * HIDDEN));
            p.put(b + "b2", gaussian(rnd, HIDDEN));
            putBatchNorm(rnd, p, b);
        }
        putBatchNorm(rnd, p, TabularNet.HEAD);
        p.put(TabularNet.HEAD + "w", gaussian(rnd, HIDDEN));
        p.put(TabularNet.HEAD + "b", gaussian(rnd, 1));
        return p;
    }

    private static void putBatchNorm(Random rnd, Map<String, float[]> p, String prefix) {
        p.put(prefix + "gamma", gaussian(rnd, HIDDEN));
        p.put(prefix + "beta", gaussian(rnd, HIDDEN));
        p.put(prefix + "mean", gaussian(rnd, HIDDEN));
        float[] var = gaussian(rnd, HIDDEN);
        for (int i = 0; i < var.length; i++) {
            var[i] = Math.abs(var[i]) + 0.1f;
        }
        p.put(prefix + "var", var);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * 0.3);
        }
        return a;
    }
}
