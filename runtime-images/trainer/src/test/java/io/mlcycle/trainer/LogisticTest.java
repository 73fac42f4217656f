package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.InputScaling;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@UnitTier
class LogisticTest {

    private static final int ROWS = 300;
    private static final int FEATURES = 8;

    /** A dense table with a noisy linear log-odds, so the optimum has finite weights. */
    static SparseMatrix table(int[] y) {
        double[] truth = {1.5, -2, 0.5, 0, 1, -0.5, 0.25, 3};
        return DenseLogitTable.draw(y, truth, -0.3, new Random(5));
    }

    /**
     * The optimum of mean log-loss + λ/2 ||w||² by dense Newton steps with Gaussian elimination —
     * written here from the formula, sharing nothing with {@link Logistic}.
     */
    static double[] denseOptimum(float[][] x, int[] y, double lambda) {
        int n = x.length;
        int p = x[0].length + 1;
        double[] w = new double[p];
        for (int iter = 0; iter < 100; iter++) {
            double[] g = new double[p];
            double[][] h = new double[p][p];
            for (int i = 0; i < n; i++) {
                double[] z = new double[p];
                for (int j = 0; j < p - 1; j++) {
                    z[j] = x[i][j];
                }
                z[p - 1] = 1;
                double m = 0;
                for (int j = 0; j < p; j++) {
                    m += z[j] * w[j];
                }
                double q = 1 / (1 + Math.exp(-m));
                for (int a = 0; a < p; a++) {
                    g[a] += (q - y[i]) * z[a] / n;
                    for (int b = 0; b < p; b++) {
                        h[a][b] += q * (1 - q) * z[a] * z[b] / n;
                    }
                }
            }
            for (int j = 0; j < p - 1; j++) {
                g[j] += lambda * w[j];
                h[j][j] += lambda;
            }
            double[] step = solve(h, g);
            for (int j = 0; j < p; j++) {
                w[j] -= step[j];
            }
        }
        return w;
    }

    private static double[] solve(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = Arrays.copyOf(a0[i], n + 1);
            a[i][n] = b0[i];
        }
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = a[r][c] / a[c][c];
                    for (int k = c; k <= n; k++) {
                        a[r][k] -= f * a[c][k];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = a[i][n] / a[i][i];
        }
        return x;
    }

    static double loss(float[][] x, int[] y, double[] w, double lambda) {
        double s = 0;
        int p = w.length - 1;
        for (int i = 0; i < x.length; i++) {
            double m = w[p];
            for (int j = 0; j < p; j++) {
                m += x[i][j] * w[j];
            }
            double q = 1 / (1 + Math.exp(-m));
            s -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
        }
        double r = 0;
        for (int j = 0; j < p; j++) {
            r += w[j] * w[j];
        }
        return s / x.length + lambda / 2 * r;
    }

    @Test
    void logisticReachesTheIndependentlyComputedOptimumOfItsFixedL2() {
        int[] y = new int[ROWS];
        SparseMatrix x = table(y);
        float[][] dense = new float[ROWS][];
        for (int r = 0; r < ROWS; r++) {
            dense[r] = x.denseRow(r);
        }
        int[] rows = Trainer.identity(ROWS);
        for (double lambda : new double[] {0.1, 0.01, 0.0001}) {
            Fit.Params p = new Fit.Params(0, "newton", 0, 0, 1, 0, 0, lambda, Fit.CONSTANT);
            Fit.Fitted f =
                    Fit.fit(
                            Algorithm.LOGISTIC,
                            p,
                            x,
                            InputScaling.of(
                                    InputScaling.Method.NONE,
                                    java.util.Collections.nCopies(FEATURES, -5.0),
                                    java.util.Collections.nCopies(FEATURES, 5.0)),
                            y,
                            rows,
                            1,
                            null);
            assertThat(f.l2()).isEqualTo(lambda);
            double[] fitted = weights(f.params());
            double[] optimum = denseOptimum(dense, y, lambda);
            assertThat(loss(dense, y, fitted, lambda))
                    .isCloseTo(loss(dense, y, optimum, lambda), within(1e-3));
            for (int j = 0; j < fitted.length; j++) {
                assertThat(fitted[j]).isCloseTo(optimum[j], within(1e-3));
            }
        }
    }

    @Test
    void withoutAFixedL2TheStrengthIsChosenOnRowsCarvedFromTheTrainingRows() {
        int[] y = new int[ROWS];
        SparseMatrix x = table(y);
        InputScaling none =
                InputScaling.of(
                        InputScaling.Method.NONE,
                        java.util.Collections.nCopies(FEATURES, -5.0),
                        java.util.Collections.nCopies(FEATURES, 5.0));
        int[] rows = Trainer.identity(ROWS);
        Fit.Fitted f =
                Fit.fit(
                        Algorithm.LOGISTIC,
                        new Fit.Params(0, "newton", 0, 0, 1, 0, 0, 0, Fit.CONSTANT),
                        x,
                        none,
                        y,
                        rows,
                        1,
                        null);
        assertThat(f.history()).hasSize(Logistic.PATH.length);
        assertThat(Arrays.stream(Logistic.PATH).boxed().toList()).contains(f.l2());
        // the chosen strength is where the carved rows' AUC peaks first along the path
        List<Double> aucs = f.history();
        int chosen = Arrays.stream(Logistic.PATH).boxed().toList().indexOf(f.l2());
        assertThat(aucs.get(chosen))
                .isCloseTo(aucs.stream().mapToDouble(d -> d).max().orElseThrow(), within(1e-6));
        // the final fit is the optimum of that strength on all the rows
        float[][] dense = new float[ROWS][];
        for (int r = 0; r < ROWS; r++) {
            dense[r] = x.denseRow(r);
        }
        assertThat(loss(dense, y, weights(f.params()), f.l2()))
                .isCloseTo(loss(dense, y, denseOptimum(dense, y, f.l2()), f.l2()), within(1e-3));
    }

    private static double[] weights(Map<String, float[]> params) {
        float[] w0 = params.get("input_w");
        double[] w = new double[FEATURES + 1];
        for (int j = 0; j < FEATURES; j++) {
            w[j] = w0[j + 1];
        }
        w[FEATURES] = params.get("input_b")[0];
        return w;
    }
}
