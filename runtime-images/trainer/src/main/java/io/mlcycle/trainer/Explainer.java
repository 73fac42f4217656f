package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.Net;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * Global feature importance as mean |SHAP value| of the log-odds over sample rows against a
 * background sample. Exact linear SHAP for logistic; expected gradients (the SHAP approximation of
 * Erion et al. for differentiable models) for the nets: φ_j = E_{b, α}[(x_j − b_j) ∂f/∂x_j at b +
 * α(x − b)], with x and b the network's (scaled) inputs. Both only touch each row's non-zeros: the
 * first layer of a point between x and b is the same blend of the two rows' first-layer outputs,
 * and the attribution is non-zero only where x or b is.
 */
public final class Explainer {

    /** Draws of (background row, α) per explained row. */
    static final int DRAWS = 64;

    private Explainer() {}

    public static double[] importance(
            Net net, SparseMatrix x, int[] samples, int[] background, long seed) {
        if (samples.length == 0 || background.length == 0) {
            return new double[x.numFeatures()];
        }
        return net.algorithm() == Algorithm.LOGISTIC
                ? linear(net, x, samples, background)
                : expectedGradients(net, x, samples, background, seed);
    }

    private static double[] linear(Net net, SparseMatrix x, int[] samples, int[] background) {
        int f = x.numFeatures();
        double[] coef = new double[f];
        double[] one = {1.0};
        for (int j = 0; j < f; j++) {
            coef[j] = net.inputWeightDot(j, one);
        }
        // in the network's input space: the log-odds are linear in the scaled values
        double[] mean = new double[f];
        for (int r : background) {
            for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                int j = x.cols()[k];
                mean[j] += net.input(j, x.values()[k]) / background.length;
            }
        }
        // rows without feature j contribute |coef_j · mean_j| each; correct the rows that have it
        double[] sum = new double[f];
        int[] count = new int[f];
        for (int r : samples) {
            for (int k = x.rowPtr()[r]; k < x.rowPtr()[r + 1]; k++) {
                int j = x.cols()[k];
                sum[j] += Math.abs(coef[j] * (net.input(j, x.values()[k]) - mean[j]));
                count[j]++;
            }
        }
        double[] out = new double[f];
        for (int j = 0; j < f; j++) {
            out[j] =
                    (sum[j] + (samples.length - count[j]) * Math.abs(coef[j] * mean[j]))
                            / samples.length;
        }
        return out;
    }

    private static double[] expectedGradients(
            Net net, SparseMatrix x, int[] samples, int[] background, long seed) {
        int h = net.hidden();
        double[][] bgFirst = new double[background.length][];
        for (int i = 0; i < background.length; i++) {
            int r = background[i];
            bgFirst[i] = new double[h];
            net.firstLayer(x.cols(), x.values(), x.rowPtr()[r], x.rowPtr()[r + 1], 1.0, bgFirst[i]);
        }
        Attribution[] per = new Attribution[samples.length];
        IntStream.range(0, samples.length)
                .parallel()
                .forEach(
                        i ->
                                per[i] =
                                        attribute(
                                                net,
                                                x,
                                                samples[i],
                                                background,
                                                bgFirst,
                                                new Random(seed * 1_000_003L + i)));
        double[] out = new double[x.numFeatures()];
        for (Attribution a : per) {
            for (int k = 0; k < a.features().length; k++) {
                out[a.features()[k]] += a.absPhi()[k] / samples.length;
            }
        }
        return out;
    }

    /** The features one sample's attribution touched (sorted) and their |phi|. */
    private record Attribution(int[] features, double[] absPhi) {}

    /**
     * Expected gradients of row {@code r}: {@link #DRAWS} draws of a background row and a point on
     * the straight path to it, the gradient there times x − b summed over the features where either
     * row is non-zero.
     */
    private static Attribution attribute(
            Net net, SparseMatrix x, int r, int[] background, double[][] bgFirst, Random rnd) {
        int f = x.numFeatures();
        int h = net.hidden();
        int xs = x.rowPtr()[r];
        int xe = x.rowPtr()[r + 1];
        double[] ux = new double[h];
        net.firstLayer(x.cols(), x.values(), xs, xe, 1.0, ux);
        double[] phi = new double[f];
        boolean[] seen = new boolean[f];
        int[] list = new int[f];
        int nList = 0;
        double[] a0 = new double[h];
        double[] g = new double[h];
        for (int d = 0; d < DRAWS; d++) {
            int bi = rnd.nextInt(background.length);
            double alpha = rnd.nextDouble();
            int b = background[bi];
            double[] ub = bgFirst[bi];
            for (int u = 0; u < h; u++) {
                a0[u] = ub[u] + alpha * (ux[u] - ub[u]);
            }
            net.addInputBias(a0);
            net.fromFirstLayer(a0, g);
            // merge the two sorted rows: x − b where either is non-zero
            int p = xs;
            int q = x.rowPtr()[b];
            int qe = x.rowPtr()[b + 1];
            while (p < xe || q < qe) {
                int j;
                double diff;
                if (q >= qe || (p < xe && x.cols()[p] < x.cols()[q])) {
                    j = x.cols()[p];
                    diff = net.input(j, x.values()[p++]);
                } else if (p >= xe || x.cols()[q] < x.cols()[p]) {
                    j = x.cols()[q];
                    diff = -net.input(j, x.values()[q++]);
                } else {
                    j = x.cols()[p];
                    diff = net.input(j, x.values()[p++]) - net.input(j, x.values()[q++]);
                }
                if (diff == 0) {
                    continue;
                }
                phi[j] += diff * net.inputWeightDot(j, g);
                if (!seen[j]) {
                    seen[j] = true;
                    list[nList++] = j;
                }
            }
        }
        int[] t = java.util.Arrays.copyOf(list, nList);
        java.util.Arrays.sort(t);
        double[] abs = new double[nList];
        for (int k = 0; k < nList; k++) {
            abs[k] = Math.abs(phi[t[k]] / DRAWS);
        }
        return new Attribution(t, abs);
    }
}
