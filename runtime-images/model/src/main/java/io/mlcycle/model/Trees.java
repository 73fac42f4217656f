package io.mlcycle.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.util.Arrays;

/**
 * A binary:logistic XGBoost model read from its JSON form ({@code Booster.toByteArray("json")}) and
 * scored in plain Java, so the server needs no native library. A feature that is absent (or zero)
 * in a sparse row is missing and follows each split's default direction, exactly as in the sparse
 * matrix it was trained on. Thread-safe.
 */
public final class Trees {

    private final int inputs;
    private final double baseMargin;
    private final int[][] left;
    private final int[][] right;
    private final int[][] feature;
    private final float[][] threshold;
    private final boolean[][] defaultLeft;
    private final byte[] json;
    private final ThreadLocal<float[]> row;

    private Trees(
            int inputs,
            double baseMargin,
            int[][] left,
            int[][] right,
            int[][] feature,
            float[][] threshold,
            boolean[][] defaultLeft,
            byte[] json) {
        this.inputs = inputs;
        this.baseMargin = baseMargin;
        this.left = left;
        this.right = right;
        this.feature = feature;
        this.threshold = threshold;
        this.defaultLeft = defaultLeft;
        this.json = json;
        this.row =
                ThreadLocal.withInitial(
                        () -> {
                            float[] a = new float[inputs];
                            Arrays.fill(a, Float.NaN);
                            return a;
                        });
    }

    /**
     * Parses XGBoost's JSON model of {@code inputs} features.
     *
     * @throws IllegalArgumentException when it is not a binary:logistic tree model of that width
     */
    public static Trees parse(byte[] json, int inputs) {
        JsonNode root;
        try {
            root = TaskJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        JsonNode learner = root.path("learner");
        String objective = learner.path("objective").path("name").asText();
        if (!objective.equals("binary:logistic")) {
            throw new IllegalArgumentException(
                    "objective '" + objective + "' is not binary:logistic");
        }
        JsonNode booster = learner.path("gradient_booster");
        if (!booster.path("name").asText().equals("gbtree")) {
            throw new IllegalArgumentException(
                    "booster '" + booster.path("name").asText() + "' is not gbtree");
        }
        JsonNode param = learner.path("learner_model_param");
        int width = Integer.parseInt(param.path("num_feature").asText("0"));
        if (width > inputs) {
            throw new IllegalArgumentException(
                    "the trees use " + width + " features, the model has " + inputs);
        }
        // "5E-1" before XGBoost 3, "[5E-1]" since
        double base =
                Double.parseDouble(param.path("base_score").asText().replaceAll("[\\[\\]]", ""));
        JsonNode trees = booster.path("model").path("trees");
        int n = trees.size();
        int[][] left = new int[n][];
        int[][] right = new int[n][];
        int[][] feature = new int[n][];
        float[][] threshold = new float[n][];
        boolean[][] defaultLeft = new boolean[n][];
        for (int t = 0; t < n; t++) {
            JsonNode tree = trees.get(t);
            left[t] = ints(tree.path("left_children"));
            right[t] = ints(tree.path("right_children"));
            feature[t] = ints(tree.path("split_indices"));
            JsonNode cond = tree.path("split_conditions");
            JsonNode dl = tree.path("default_left");
            int nodes = left[t].length;
            if (right[t].length != nodes
                    || feature[t].length != nodes
                    || cond.size() != nodes
                    || dl.size() != nodes) {
                throw new IllegalArgumentException("tree " + t + " has arrays of unequal length");
            }
            threshold[t] = new float[nodes];
            defaultLeft[t] = new boolean[nodes];
            for (int i = 0; i < nodes; i++) {
                threshold[t][i] = (float) cond.get(i).asDouble();
                defaultLeft[t][i] =
                        dl.get(i).isBoolean() ? dl.get(i).asBoolean() : dl.get(i).asInt() != 0;
                if (left[t][i] >= nodes || right[t][i] >= nodes || feature[t][i] >= inputs) {
                    throw new IllegalArgumentException(
                            "tree " + t + " node " + i + " points outside");
                }
            }
        }
        return new Trees(
                inputs,
                Math.log(base / (1 - base)),
                left,
                right,
                feature,
                threshold,
                defaultLeft,
                json.clone());
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    /** The JSON it was parsed from (what the artifact stores). */
    public byte[] json() {
        return json.clone();
    }

    public int inputs() {
        return inputs;
    }

    public int trees() {
        return left.length;
    }

    /** Log-odds of one row given as raw values at ascending feature indices. */
    public double logit(int[] idx, float[] val, int from, int to) {
        float[] x = row.get();
        for (int k = from; k < to; k++) {
            if (val[k] != 0) {
                x[idx[k]] = val[k];
            }
        }
        double margin = baseMargin;
        for (int t = 0; t < left.length; t++) {
            int[] l = left[t];
            int node = 0;
            while (l[node] >= 0) {
                float v = x[feature[t][node]];
                boolean goLeft = Float.isNaN(v) ? defaultLeft[t][node] : v < threshold[t][node];
                node = goLeft ? l[node] : right[t][node];
            }
            margin += threshold[t][node];
        }
        for (int k = from; k < to; k++) {
            x[idx[k]] = Float.NaN;
        }
        return margin;
    }

    public double probability(int[] idx, float[] val, int from, int to) {
        return 1 / (1 + Math.exp(-logit(idx, val, from, to)));
    }
}
