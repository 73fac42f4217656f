package io.mlcycle.bench;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.trainer.Explainer;
import io.mlcycle.trainer.Fit;
import io.mlcycle.trainer.Metrics;
import io.mlcycle.trainer.Splits;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Resnet (the trainer's fit, sparse first layer) against XGBoost4J on one stratified split of
 * planted sparse count data, then expected-gradient SHAP over all features.
 */
public final class TrainerBench {

    static final int PLANTED = 10;

    private TrainerBench() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int features = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        long seed = (long) env("BENCH_SEED", 42);
        long g0 = System.nanoTime();
        Data d = generate(rows, features, seed);
        System.out.printf(
                Locale.ROOT,
                "data: %d rows x %d features, %d non-zeros, %.1f%% positive (%.1f s)%n",
                rows,
                features,
                d.x.nonZeros(),
                100.0 * Arrays.stream(d.y).sum() / rows,
                secs(g0));
        Splits.Split split = Splits.holdout(d.y, 0.2, seed);
        int[] testY = labels(d.y, split.test());

        // resnet through the trainer's own fit and scorer
        Fit.Params p =
                new Fit.Params(
                        env("BENCH_LR", 0.003),
                        "adam",
                        epochs,
                        (int) env("BENCH_BATCH", 1024),
                        (int) env("BENCH_HIDDEN", 64),
                        (int) env("BENCH_BLOCKS", 2),
                        env("BENCH_DROPOUT", 0.3),
                        env("BENCH_WD", 1e-3),
                        envString("BENCH_SCHEDULE", "cosine"));
        InputScaling scaling =
                InputScaling.of(
                        InputScaling.Method.parse(envString("BENCH_SCALING", "log")), d.min, d.max);
        // early stopping holds its rows out of the training split, never the test split
        int patience = (int) env("BENCH_PATIENCE", 0);
        Fit.EarlyStopping stop =
                patience > 0
                        ? new Fit.EarlyStopping(env("BENCH_VALFRAC", 0.1), patience, "auc")
                        : null;
        System.out.println(
                "resnet hyper-parameters: "
                        + p.toMap()
                        + ", scaling "
                        + scaling.method().id()
                        + ", early stopping "
                        + stop);
        long t0 = System.nanoTime();
        Fit.Fitted fitted =
                Fit.fit(Algorithm.RESNET, p, d.x, scaling, d.y, split.train(), seed, stop);
        double resnetTrain = secs(t0);
        System.out.println(
                "resnet fit: "
                        + fitted.epochs()
                        + " epochs, kept epoch "
                        + fitted.bestEpoch()
                        + ", held-out auc by epoch "
                        + fitted.history());
        ModelArtifact model = ModelArtifact.of(spec(d, p, scaling), fitted.params());
        long s0 = System.nanoTime();
        float[] scores = model.predict(FeatureAssembler.rows(d.x, split.test()));
        double resnetPredict = secs(s0);
        double auc = Metrics.auc(scores, testY);
        System.out.printf(
                Locale.ROOT,
                "resnet: %d epochs, train %.1f s, predict %d rows %.2f s, auc %.4f%n",
                epochs,
                resnetTrain,
                scores.length,
                resnetPredict,
                auc);

        // XGBoost on the same rows (hist, depth 6, eta 0.1, 200 rounds, all cores)
        long x0 = System.nanoTime();
        DMatrix train = dmatrix(d.x, split.train(), labels(d.y, split.train()));
        DMatrix test = dmatrix(d.x, split.test(), testY);
        Map<String, Object> xp = new HashMap<>();
        xp.put("objective", "binary:logistic");
        xp.put("tree_method", "hist");
        xp.put("max_depth", 6);
        xp.put("eta", 0.1);
        xp.put("nthread", Runtime.getRuntime().availableProcessors());
        xp.put("seed", 42);
        xp.put("verbosity", 0);
        Booster booster = XGBoost.train(train, xp, 200, new HashMap<>(), null, null);
        double xgbTrain = secs(x0);
        float[][] pred = booster.predict(test);
        float[] xs = new float[pred.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = pred[i][0];
        }
        double aucXgb = Metrics.auc(xs, testY);
        booster.dispose();
        train.dispose();
        test.dispose();
        System.out.printf(
                Locale.ROOT, "xgboost: 200 rounds, train %.1f s, auc %.4f%n", xgbTrain, aucXgb);

        // SHAP over all features: 500 validation rows against 100 training rows
        Random rnd = new Random(seed);
        int[] samples = sample(split.test(), 500, rnd);
        int[] background = sample(split.train(), 100, rnd);
        long h0 = System.nanoTime();
        double[] imp = Explainer.importance(model.net(), d.x, samples, background, seed);
        double shapSeconds = secs(h0);
        Integer[] order = new Integer[imp.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(imp[b], imp[a]));
        int hits = 0;
        List<Integer> top = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            top.add(order[i]);
            if (d.planted.contains(order[i])) {
                hits++;
            }
        }
        System.out.println("shap top 10: " + top + ", planted: " + d.planted);
        System.out.printf(
                Locale.ROOT,
                "BENCH trainer auc=%.4f auc_xgboost=%.4f time_ratio_vs_xgboost=%.2f"
                        + " shap_precision_at_10=%.2f shap_seconds=%.1f%n",
                auc,
                aucXgb,
                resnetTrain / xgbTrain,
                hits / 10.0,
                shapSeconds);
    }

    record Data(
            SparseMatrix x, int[] y, List<Double> min, List<Double> max, Set<Integer> planted) {}

    /**
     * Counts of events per user: a Zipf-like popularity over noise features and ten planted
     * features whose counts (and one pairwise interaction) drive the label.
     */
    static Data generate(int rows, int features, long seed) {
        Random rnd = new Random(seed);
        Set<Integer> planted = new HashSet<>();
        int[] plantedIdx = new int[PLANTED];
        for (int k = 0; k < PLANTED; k++) {
            int j;
            do {
                j = 20 + rnd.nextInt(features - 20);
            } while (!planted.add(j));
            plantedIdx[k] = j;
        }
        double[] w = {0.9, -0.8, 0.7, 0.7, -0.6, 0.6, 0.5, -0.5, 0.45, 0.4};
        double[] cum = new double[features];
        double total = 0;
        for (int j = 0; j < features; j++) {
            total += 1.0 / Math.pow(j + 1, 0.8);
            cum[j] = total;
        }
        String[] entities = new String[rows];
        int[] rowPtr = new int[rows + 1];
        int cap = rows * 40;
        int[] cols = new int[cap];
        float[] vals = new float[cap];
        int[] y = new int[rows];
        int k = 0;
        TreeMap<Integer, Float> row = new TreeMap<>();
        for (int r = 0; r < rows; r++) {
            row.clear();
            int noise = 10 + rnd.nextInt(40);
            for (int i = 0; i < noise; i++) {
                double u = rnd.nextDouble() * total;
                int j = Arrays.binarySearch(cum, u);
                j = j < 0 ? -j - 1 : j;
                j = Math.min(j, features - 1);
                row.merge(j, 1f, Float::sum);
            }
            double logit = -1.3;
            for (int p = 0; p < PLANTED; p++) {
                row.remove(plantedIdx[p]);
                if (rnd.nextDouble() < 0.25) {
                    float v = 1 + rnd.nextInt(8);
                    row.put(plantedIdx[p], v);
                    logit += w[p] * Math.min(v, 5) / 2;
                }
            }
            if (row.containsKey(plantedIdx[0]) && row.containsKey(plantedIdx[2])) {
                logit += 0.8;
            }
            y[r] = rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
            entities[r] = "u" + r;
            if (k + row.size() > cols.length) {
                cols = Arrays.copyOf(cols, cols.length * 2);
                vals = Arrays.copyOf(vals, vals.length * 2);
            }
            for (var e : row.entrySet()) {
                cols[k] = e.getKey();
                vals[k++] = e.getValue();
            }
            rowPtr[r + 1] = k;
        }
        SparseMatrix x =
                new SparseMatrix(
                        entities, rowPtr, Arrays.copyOf(cols, k), Arrays.copyOf(vals, k), features);
        // what features.json would hold: min and max over the non-zeros
        double[] min = new double[features];
        double[] max = new double[features];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        for (int i = 0; i < k; i++) {
            min[x.cols()[i]] = Math.min(min[x.cols()[i]], x.values()[i]);
            max[x.cols()[i]] = Math.max(max[x.cols()[i]], x.values()[i]);
        }
        List<Double> mins = new ArrayList<>(features);
        List<Double> maxs = new ArrayList<>(features);
        for (int j = 0; j < features; j++) {
            mins.add(Double.isFinite(min[j]) ? min[j] : 0);
            maxs.add(max[j]);
        }
        return new Data(x, y, mins, maxs, planted);
    }

    static ModelSpec spec(Data d, Fit.Params p, InputScaling scaling) {
        int f = d.x.numFeatures();
        List<ModelSpec.Feature> fs = new ArrayList<>();
        for (int j = 0; j < f; j++) {
            fs.add(new ModelSpec.Feature("events/ev" + j, "events", "ev" + j));
        }
        return new ModelSpec(
                "bench",
                1,
                "resnet",
                "user_id",
                fs,
                scaling.toSpec(),
                0.5,
                p.architecture(f),
                null,
                null,
                null,
                null,
                null);
    }

    static DMatrix dmatrix(SparseMatrix x, int[] rows, int[] y) throws Exception {
        SparseMatrix m = FeatureAssembler.rows(x, rows);
        long[] ptr = new long[m.rows() + 1];
        for (int i = 0; i <= m.rows(); i++) {
            ptr[i] = m.rowPtr()[i];
        }
        DMatrix dm =
                new DMatrix(ptr, m.cols(), m.values(), DMatrix.SparseType.CSR, m.numFeatures());
        float[] label = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            label[i] = y[i];
        }
        dm.setLabel(label);
        return dm;
    }

    static int[] labels(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }

    static int[] sample(int[] rows, int n, Random rnd) {
        int[] a = rows.clone();
        n = Math.min(n, a.length);
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(a.length - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return Arrays.copyOf(a, n);
    }

    static double env(String name, double fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Double.parseDouble(v);
    }

    static String envString(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static double secs(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
