package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.TrainTask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The chosen model explained: SHAP importance of each feature on a sample of the validation rows
 * and, with {@code select.topK}, the same learner retrained on the top-K features.
 *
 * @param shap whether SHAP ran (explain.method shap)
 * @param importance features by importance, highest first (maps with name and importance)
 * @param selected the top-K model's report, or null
 */
record Explanation(
        boolean shap,
        List<Map<String, Object>> importance,
        Map<String, Object> selected,
        double shapSeconds) {

    /** Checks the task's explain and select sections before the training starts. */
    static boolean wantsShap(TrainTask t) {
        TrainTask.Explain explain = explain(t);
        boolean shap = explain.method().equalsIgnoreCase("shap");
        if (!shap && !explain.method().equalsIgnoreCase("none")) {
            throw TaskFailure.invalid(
                    "UnknownExplainMethod",
                    "explain.method '" + explain.method() + "' is not shap or none");
        }
        if (shap && (explain.samples() < 1 || explain.background() < 1 || explain.topK() < 1)) {
            throw TaskFailure.invalid(
                    "InvalidExplain",
                    "explain.samples, explain.background and explain.topK must be >= 1, got "
                            + explain);
        }
        if (!shap && t.select() != null && t.select().topK() > 0) {
            throw TaskFailure.invalid(
                    "SelectNeedsExplain",
                    "select.topK ranks features by SHAP importance: explain.method must be shap");
        }
        return shap;
    }

    static TrainTask.Explain explain(TrainTask t) {
        return t.explain();
    }

    static Explanation of(
            TrainTask t,
            TrainPlan plan,
            PreparedData data,
            Validator validator,
            ModelArtifact model,
            Algorithm algorithm,
            Fit.Params params) {
        if (!wantsShap(t)) {
            return new Explanation(false, List.of(), null, 0);
        }
        TrainTask.Explain explain = explain(t);
        long s0 = System.nanoTime();
        Random rnd = new Random(plan.seed() + 17);
        int[] samples = sample(validator.explainRows(), explain.samples(), rnd);
        int[] background = sample(validator.backgroundRows(), explain.background(), rnd);
        SparseMatrix x = data.x();
        double[] imp = importance(model, x, samples, background, plan.seed());
        double shapSeconds = (System.nanoTime() - s0) / 1e9;
        List<ModelSpec.Feature> features = data.features();
        Trainer.log(
                "SHAP: %d rows against %d background rows, %d features (%.1f s)",
                samples.length, background.length, features.size(), shapSeconds);
        Integer[] order = rank(imp);
        List<Map<String, Object>> list = new ArrayList<>();
        for (int j : order) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", features.get(j).name());
            e.put("importance", imp[j]);
            list.add(e);
        }
        Map<String, Object> selected =
                t.select() != null && t.select().topK() > 0
                        ? select(t, plan, data, validator, order, algorithm, params)
                        : null;
        return new Explanation(true, list, selected, shapSeconds);
    }

    /**
     * Mean |SHAP| of each feature in the log-odds of {@code model}. For an ensemble: the weighted
     * sum of its members' (each member's in its own log-odds), which bounds from above the mean
     * |SHAP| of the weighted mean of the members' log-odds and is not an attribution of the blended
     * probability (a weighted mean of probabilities has no exact additive log-odds SHAP).
     */
    static double[] importance(
            ModelArtifact model, SparseMatrix x, int[] samples, int[] background, long seed) {
        if (model.members() != null) {
            double[] w = model.weights();
            double[] sum = new double[x.numFeatures()];
            for (int k = 0; k < w.length; k++) {
                double[] m = importance(model.members().get(k), x, samples, background, seed);
                for (int j = 0; j < sum.length; j++) {
                    sum[j] += w[k] * m[j];
                }
            }
            return sum;
        }
        return model.trees() != null
                ? Boosted.importance(model.trees(), x, samples)
                : Explainer.importance(model.net(), x, samples, background, seed);
    }

    /** The learner retrained and evaluated on the top-K features by importance. */
    private static Map<String, Object> select(
            TrainTask t,
            TrainPlan plan,
            PreparedData data,
            Validator validator,
            Integer[] order,
            Algorithm algorithm,
            Fit.Params params) {
        List<ModelSpec.Feature> features = data.features();
        int k = Math.min(t.select().topK(), features.size());
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = order[i];
        }
        Arrays.sort(top);
        SparseMatrix xs = FeatureAssembler.selectColumns(data.x(), top);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(features.get(top[i]).name());
        }
        Trainer.Evaluated e =
                validator.evaluate(
                        algorithm,
                        params,
                        xs,
                        data.scaling().select(top),
                        data.y(),
                        plan.seed(),
                        plan.stop());
        Metrics ms = Metrics.of(e.scores(), e.labels(), TrainPlan.threshold(t, e));
        Map<String, Object> selected = new LinkedHashMap<>();
        selected.put("topK", k);
        selected.put("metrics", ms.toMap());
        selected.put("features", names);
        return selected;
    }

    /** Feature positions by importance, highest first (ties by position). */
    static Integer[] rank(double[] imp) {
        Integer[] order = new Integer[imp.length];
        for (int i = 0; i < imp.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -imp[i]).thenComparing(i -> i));
        return order;
    }

    static int[] sample(int[] rows, int n, Random rnd) {
        if (rows.length <= n) {
            return rows.clone();
        }
        int[] a = rows.clone();
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(a.length - i);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        int[] out = Arrays.copyOf(a, n);
        Arrays.sort(out);
        return out;
    }
}
