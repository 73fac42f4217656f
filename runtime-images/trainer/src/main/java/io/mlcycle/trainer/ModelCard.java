package io.mlcycle.trainer;

import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainSummary;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The model card published next to every model: one self-contained HTML page (no scripts, no
 * external resources) with the test metrics, ROC and precision–recall curves as SVG, the confusion
 * matrix at the chosen threshold, the top features by SHAP and the lineage (feature tables,
 * labels).
 */
final class ModelCard {

    static final String FILE = "model-card.html";

    /** Curve points kept per curve: enough to draw, small in metrics.json. */
    static final int POINTS = 50;

    private ModelCard() {}

    /**
     * The ROC curve ({@code [fpr, tpr]}) and the precision–recall curve ({@code [recall,
     * precision]}) of {@code scores} against {@code labels}, each thinned to about {@code points}
     * points (first and last kept).
     */
    static Map<String, Object> curves(float[] scores, int[] labels, int points) {
        Integer[] order =
                IntStream.range(0, scores.length)
                        .boxed()
                        .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]))
                        .toArray(Integer[]::new);
        long positives = IntStream.of(labels).filter(l -> l == 1).count();
        long negatives = labels.length - positives;
        List<double[]> roc = new ArrayList<>();
        List<double[]> pr = new ArrayList<>();
        roc.add(new double[] {0, 0});
        long tp = 0;
        long fp = 0;
        for (int k = 0; k < order.length; k++) {
            if (labels[order[k]] == 1) {
                tp++;
            } else {
                fp++;
            }
            // one point per distinct score: ties move together
            if (k + 1 < order.length && scores[order[k + 1]] == scores[order[k]]) {
                continue;
            }
            roc.add(
                    new double[] {
                        negatives == 0 ? 0 : fp / (double) negatives,
                        positives == 0 ? 0 : tp / (double) positives
                    });
            pr.add(
                    new double[] {
                        positives == 0 ? 0 : tp / (double) positives, tp / (double) (tp + fp)
                    });
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("roc", thin(roc, points));
        m.put("pr", thin(pr, points));
        return m;
    }

    private static List<double[]> thin(List<double[]> curve, int points) {
        if (curve.size() <= points) {
            return curve;
        }
        List<double[]> out = new ArrayList<>();
        double step = (curve.size() - 1) / (double) (points - 1);
        for (int i = 0; i < points; i++) {
            double[] p = curve.get((int) Math.round(i * step));
            out.add(new double[] {round(p[0]), round(p[1])});
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    /** The card of a model from its spec and the metrics.json content the trainer publishes. */
    static String html(ModelSpec spec, Map<String, Object> metricsJson) {
        Map<?, ?> metrics = map(metricsJson.get("metrics"));
        Map<?, ?> curves = map(metricsJson.get("curves"));
        Map<?, ?> confusion = map(metrics.get("confusionMatrix"));
        String title = spec.model() + " v" + spec.version();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>Model card: ")
                .append(esc(title))
                .append("</title><style>")
                .append("body{font-family:sans-serif;margin:24px;color:#222;background:#fff}")
                .append("table{border-collapse:collapse;margin:8px 0}")
                .append("td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}")
                .append("th{background:#eef}section{margin-bottom:24px}")
                .append(".tp,.tn{background:#cfc}.fp,.fn{background:#fcc}")
                .append("svg{background:#fafafa;border:1px solid #ccc;margin-right:16px}")
                .append("</style></head><body>\n");
        h.append("<h1 id=\"title\">Model card: ").append(esc(title)).append("</h1>\n");
        h.append("<p id=\"summary\">Algorithm <b>")
                .append(esc(spec.algorithm()))
                .append("</b>, trained ")
                .append(esc(spec.trainedAt()))
                .append(" on ")
                .append(esc(metricsJson.get("rows")))
                .append(" rows (")
                .append(esc(metricsJson.get("positives")))
                .append(" positive) and ")
                .append(esc(metricsJson.get("features")))
                .append(" features; test rows by ")
                .append(esc(map(metricsJson.get("validation")).get("method")))
                .append(".</p>\n");

        metricsTable(h, metrics);
        h.append("<section><h2>Curves</h2>");
        h.append(
                curve(
                        "roc",
                        "ROC (AUC " + number(metrics.get("auc")) + ")",
                        "false positive rate",
                        "true positive rate",
                        points(curves.get("roc")),
                        true));
        h.append(
                curve(
                        "pr",
                        "Precision–recall",
                        "recall",
                        "precision",
                        points(curves.get("pr")),
                        false));
        h.append("</section>\n");

        confusionTable(h, metrics, confusion);
        candidates(h, metricsJson);
        h.append("<section><h2>Top features by SHAP (")
                .append(esc(metricsJson.getOrDefault("explainer", "not computed")))
                .append(")</h2>");
        h.append(features(metricsJson.get("topFeatures")));
        h.append("</section>\n");

        lineage(h, spec);
        h.append("</ul></section>\n</body></html>\n");
        return h.toString();
    }

    private static void metricsTable(StringBuilder h, Map<?, ?> metrics) {
        h.append("<section><h2>Test metrics</h2><table id=\"metrics\"><tr>");
        List<String> names =
                List.of("auc", "precision", "recall", "f1", "logLoss", "accuracy", "threshold");
        for (String n : names) {
            h.append("<th>").append(n).append("</th>");
        }
        h.append("</tr><tr>");
        for (String n : names) {
            h.append("<td data-metric=\"")
                    .append(n)
                    .append("\">")
                    .append(number(metrics.get(n)))
                    .append("</td>");
        }
        h.append("</tr></table></section>\n");
    }

    private static void confusionTable(StringBuilder h, Map<?, ?> metrics, Map<?, ?> confusion) {
        h.append("<section><h2>Confusion matrix at threshold ")
                .append(number(metrics.get("threshold")))
                .append("</h2><table id=\"confusion\"><tr><th></th><th>predicted 1</th>")
                .append("<th>predicted 0</th></tr><tr><th>actual 1</th><td class=\"tp\">")
                .append(esc(confusion.get("truePositives")))
                .append("</td><td class=\"fn\">")
                .append(esc(confusion.get("falseNegatives")))
                .append("</td></tr><tr><th>actual 0</th><td class=\"fp\">")
                .append(esc(confusion.get("falsePositives")))
                .append("</td><td class=\"tn\">")
                .append(esc(confusion.get("trueNegatives")))
                .append("</td></tr></table></section>\n");
    }

    /** auto's candidates: each one's selection mean ± standard error, and why the winner won. */
    private static void candidates(StringBuilder h, Map<String, Object> metricsJson) {
        if (!(metricsJson.get("candidates") instanceof List<?> list)) {
            return;
        }
        Map<?, ?> selection = map(metricsJson.get("selection"));
        Object metric = metricsJson.get("selectionMetric");
        h.append("<section><h2>Candidates (")
                .append(esc(metric))
                .append(" on the training rows by ")
                .append(esc(selection.get("method")))
                .append(")</h2><table id=\"candidates\"><tr><th>algorithm</th><th>mean</th>")
                .append("<th>± SE</th><th>folds</th><th>status</th><th>chosen</th></tr>");
        for (Object o : list) {
            Map<?, ?> c = map(o);
            h.append("<tr><td>")
                    .append(esc(c.get("algorithm")))
                    .append(members(c.get(TrainSummary.MEMBERS)))
                    .append("</td><td>")
                    .append(number(c.get(String.valueOf(metric))))
                    .append("</td><td>")
                    .append(number(c.get("standardError")))
                    .append("</td><td>")
                    .append(c.get("folds") == null ? "–" : esc(c.get("folds")))
                    .append("</td><td>")
                    .append(esc(c.get("status")))
                    .append("</td><td>")
                    .append(Boolean.TRUE.equals(c.get("chosen")) ? "yes" : "")
                    .append("</td></tr>");
        }
        h.append("</table><p id=\"reason\">")
                .append(selection.get("reason") == null ? "" : esc(selection.get("reason")))
                .append("</p>");
        if (selection.get("ensemble") != null) {
            h.append("<p id=\"ensemble\">ensemble: ")
                    .append(esc(selection.get("ensemble")))
                    .append("</p>");
        }
        h.append("</section>\n");
    }

    /** An ensemble's members and weights, e.g. {@code (logistic 0.40, xgboost 0.60)}. */
    private static String members(Object members) {
        if (!(members instanceof List<?> list)) {
            return "";
        }
        StringBuilder b = new StringBuilder(" (");
        for (Object o : list) {
            Map<?, ?> m = map(o);
            if (b.length() > 2) {
                b.append(", ");
            }
            b.append(esc(m.get("algorithm"))).append(' ').append(number(m.get("weight")));
        }
        return b.append(')').toString();
    }

    private static void lineage(StringBuilder h, ModelSpec spec) {
        h.append("<section><h2>Lineage</h2><ul id=\"lineage\">");
        for (FeatureInput f : spec.lineage() == null ? List.<FeatureInput>of() : spec.lineage()) {
            h.append("<li>FeatureView <b>")
                    .append(esc(f.featureView()))
                    .append("</b> as of ")
                    .append(esc(f.asOf()))
                    .append(": <code>")
                    .append(esc(f.uri()))
                    .append("</code></li>");
        }
        h.append("<li>labels: <code>").append(esc(spec.labels())).append("</code></li>");
    }

    /** A 320×320 SVG line chart of points in the unit square, axes labelled. */
    private static String curve(
            String id, String title, String x, String y, List<double[]> pts, boolean diagonal) {
        StringBuilder s = new StringBuilder();
        s.append("<figure style=\"display:inline-block\"><svg id=\"")
                .append(id)
                .append("\" width=\"340\" height=\"340\" viewBox=\"-30 -10 340 340\"")
                .append(" xmlns=\"http://www.w3.org/2000/svg\">")
                .append("<rect x=\"0\" y=\"0\" width=\"300\" height=\"300\" fill=\"#fff\"")
                .append(" stroke=\"#888\"/>");
        if (diagonal) {
            s.append("<line x1=\"0\" y1=\"300\" x2=\"300\" y2=\"0\" stroke=\"#bbb\"")
                    .append(" stroke-dasharray=\"4\"/>");
        }
        s.append("<polyline class=\"curve\" fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"3\"")
                .append(" points=\"");
        for (double[] p : pts) {
            s.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0] * 300, 300 - p[1] * 300));
        }
        s.append("\"/><text x=\"150\" y=\"325\" text-anchor=\"middle\" font-size=\"12\">")
                .append(esc(x))
                .append("</text><text x=\"-18\" y=\"150\" font-size=\"12\" text-anchor=\"middle\"")
                .append(" transform=\"rotate(-90 -18 150)\">")
                .append(esc(y))
                .append("</text></svg><figcaption>")
                .append(esc(title))
                .append("</figcaption></figure>");
        return s.toString();
    }

    /** Horizontal bars of mean |SHAP| per feature, the longest full width. */
    private static String features(Object top) {
        List<?> list = top instanceof List<?> l ? l : List.of();
        if (list.isEmpty()) {
            return "<p id=\"features\">No importance was computed (explain.method none).</p>";
        }
        double max = 0;
        for (Object o : list) {
            max = Math.max(max, value(map(o).get("importance")));
        }
        StringBuilder s = new StringBuilder("<table id=\"features\">");
        for (Object o : list) {
            Map<?, ?> f = map(o);
            double v = value(f.get("importance"));
            int width = max > 0 ? (int) Math.round(300 * v / max) : 0;
            s.append("<tr><th style=\"text-align:left\">")
                    .append(esc(f.get("name")))
                    .append("</th><td style=\"text-align:left\"><svg width=\"300\" height=\"12\">")
                    .append("<rect class=\"bar\" width=\"")
                    .append(width)
                    .append("\" height=\"12\" fill=\"#d9822b\"/></svg></td><td>")
                    .append(number(v))
                    .append("</td></tr>");
        }
        return s.append("</table>").toString();
    }

    private static List<double[]> points(Object o) {
        List<double[]> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object p : l) {
                if (p instanceof double[] d) {
                    out.add(d);
                } else if (p instanceof List<?> xy && xy.size() == 2) {
                    out.add(new double[] {value(xy.get(0)), value(xy.get(1))});
                }
            }
        }
        return out;
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static double value(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private static String number(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "–";
    }

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
