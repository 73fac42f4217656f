package io.mlcycle.trainer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Binary classification metrics at a decision threshold (a row is predicted positive when its score
 * is at least the threshold).
 */
public record Metrics(
        double auc,
        double precision,
        double recall,
        double f1,
        double logLoss,
        double accuracy,
        double threshold,
        long truePositives,
        long falsePositives,
        long trueNegatives,
        long falseNegatives) {

    private static final double EPS = 1e-15;

    public static Metrics of(float[] scores, int[] labels, double threshold) {
        long tp = 0;
        long fp = 0;
        long tn = 0;
        long fn = 0;
        double loss = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean predicted = scores[i] >= threshold;
            boolean actual = labels[i] == 1;
            if (predicted && actual) {
                tp++;
            } else if (predicted) {
                fp++;
            } else if (actual) {
                fn++;
            } else {
                tn++;
            }
            double p = Math.min(1 - EPS, Math.max(EPS, scores[i]));
            loss -= actual ? Math.log(p) : Math.log(1 - p);
        }
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        int n = scores.length;
        return new Metrics(
                auc(scores, labels),
                precision,
                recall,
                f1,
                n == 0 ? Double.NaN : loss / n,
                n == 0 ? Double.NaN : (double) (tp + tn) / n,
                threshold,
                tp,
                fp,
                tn,
                fn);
    }

    /**
     * Area under the ROC curve by the Mann-Whitney U statistic; tied scores share their average
     * rank, so a tie between a positive and a negative counts one half.
     */
    public static double auc(float[] scores, int[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] == 1) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** The threshold (one of the scores) that maximises F1; ties keep the higher threshold. */
    public static double bestF1Threshold(float[] scores, int[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
        long totalPos = 0;
        for (int l : labels) {
            totalPos += l;
        }
        double best = -1;
        double bestT = 0.5;
        long tp = 0;
        long fp = 0;
        int i = 0;
        while (i < n) {
            float t = scores[order[i]];
            while (i < n && scores[order[i]] == t) {
                if (labels[order[i]] == 1) {
                    tp++;
                } else {
                    fp++;
                }
                i++;
            }
            double f1 = 2.0 * tp / (tp + fp + totalPos);
            if (f1 > best) {
                best = f1;
                bestT = t;
            }
        }
        return bestT;
    }

    /** The metric by name; {@code higherIsBetter} tells how to compare. */
    public double get(String name) {
        return switch (normalize(name)) {
            case "auc" -> auc;
            case "precision" -> precision;
            case "recall" -> recall;
            case "f1" -> f1;
            case "logloss" -> logLoss;
            case "accuracy" -> accuracy;
            default ->
                    throw new IllegalArgumentException(
                            "selectionMetric '"
                                    + name
                                    + "' is not one of auc, precision, recall, f1, logLoss, accuracy");
        };
    }

    public static boolean higherIsBetter(String name) {
        return !"logloss".equals(normalize(name));
    }

    private static String normalize(String name) {
        return name == null
                ? "auc"
                : name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** Metrics as a JSON-friendly map (NaN written as null). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("auc", finite(auc));
        m.put("precision", finite(precision));
        m.put("recall", finite(recall));
        m.put("f1", finite(f1));
        m.put("logLoss", finite(logLoss));
        m.put("accuracy", finite(accuracy));
        m.put("threshold", finite(threshold));
        m.put(
                "confusionMatrix",
                Map.of(
                        "truePositives", truePositives,
                        "falsePositives", falsePositives,
                        "trueNegatives", trueNegatives,
                        "falseNegatives", falseNegatives));
        return m;
    }

    static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
