package io.mlcycle.trainer;

import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a training reports: {@code metrics.json} next to the artifact (everything) and the figures
 * and details of its summary (what the operator copies into status).
 *
 * @param bestEval the chosen model's evaluation on the validation rows
 * @param labelRows rows of the label table
 * @param validationMethod the validator's method (holdout or kfold)
 */
record TrainReport(
        TrainTask task,
        TrainPlan plan,
        PreparedData data,
        SearchRunner.Result search,
        Trainer.Evaluated bestEval,
        Metrics metrics,
        double threshold,
        Explanation explanation,
        int labelRows,
        String validationMethod,
        double seconds) {

    private static final int TOP_IN_SUMMARY = 10;

    /** The search section, in metrics.json and the summary alike. */
    Map<String, Object> searchJson() {
        Search s = plan.search();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("method", s.method());
        if (s.method().equals("random")) {
            json.put("trials", s.trials());
        }
        if (s.budget() != null) {
            json.put("budget", s.budget().toString());
        }
        json.put(TrainSummary.BUDGET_EXHAUSTED, search.budgetExhausted());
        json.put("trialsSkipped", search.skipped());
        return json;
    }

    Map<String, Object> metricsJson() {
        String algorithm = search.algorithm().id();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", task.model());
        m.put("version", task.version());
        m.put("algorithm", algorithm);
        m.put(
                "algorithmRequested",
                plan.ensemble()
                        ? io.mlcycle.model.Algorithm.ENSEMBLE.id()
                        : plan.auto() ? Trainer.AUTO_ID : algorithm);
        if (plan.auto()) {
            m.put("candidates", search.candidates());
            m.put("selection", search.selection());
        }
        m.put("search", searchJson());
        if (explanation.shap()) {
            m.put("explainer", Trainer.explainerOf(search.algorithm()));
        }
        m.put(
                "validation",
                Map.of(
                        "method", validationMethod,
                        "testFraction", plan.validation().testFraction(),
                        "folds", plan.validation().folds(),
                        "seed", plan.seed()));
        m.put("selectionMetric", plan.metricName());
        m.put("scaling", data.scalingMethod().id());
        Fit.EarlyStopping stop = plan.stop();
        if (stop != null) {
            m.put(
                    "earlyStopping",
                    Map.of(
                            "validationFraction", stop.validationFraction(),
                            "patience", stop.patience(),
                            "metric", stop.metric()));
        }
        m.put("thresholdChosenBy", task.threshold() != null ? "task" : "maxF1OnValidation");
        m.put("metrics", metrics.toMap());
        m.put("curves", ModelCard.curves(bestEval.scores(), bestEval.labels(), ModelCard.POINTS));
        m.put("bestTrial", search.bestTrial());
        m.put("hyperparameters", hyperparameters());
        putData(m);
        return m;
    }

    /** The chosen point; an ensemble's: each member's point and weight. */
    private Object hyperparameters() {
        if (search.members() == null) {
            return search.bestParams().toMap();
        }
        List<Map<String, Object>> members = new java.util.ArrayList<>();
        for (EnsembleModel.Member member : search.members()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("algorithm", member.algorithm().id());
            e.put("weight", member.weight());
            e.put("hyperparameters", member.params().toMap());
            members.add(e);
        }
        return Map.of(TrainSummary.MEMBERS, members);
    }

    private void putData(Map<String, Object> m) {
        List<Map<String, Object>> importance = explanation.importance();
        m.put("rows", data.x().rows());
        m.put("positives", Arrays.stream(data.y()).sum());
        m.put("labelRows", labelRows);
        m.put("featuresIn", data.allNames().size());
        m.put("features", data.features().size());
        m.put("droppedFeatures", data.dropped());
        if (explanation.shap()) {
            int k = task.explain().topK();
            m.put("topFeatures", importance.subList(0, Math.min(k, importance.size())));
        }
        if (explanation.selected() != null) {
            m.put("selected", explanation.selected());
        }
        m.put("shapSeconds", explanation.shapSeconds());
        m.put("seconds", seconds);
    }

    /** The summary's figures: the metrics and sizes, finite ones only. */
    Map<String, Double> figures() {
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("auc", metrics.auc());
        figures.put("precision", metrics.precision());
        figures.put("recall", metrics.recall());
        figures.put("f1", metrics.f1());
        figures.put("logLoss", metrics.logLoss());
        figures.put("accuracy", metrics.accuracy());
        figures.put(TrainSummary.THRESHOLD, threshold);
        figures.put(TrainSummary.TRIALS, (double) search.trials().size());
        figures.put(TrainSummary.SECONDS, Math.round(seconds * 10) / 10.0);
        figures.put(TrainSummary.ROWS, (double) data.x().rows());
        figures.put(TrainSummary.FEATURES, (double) data.features().size());
        figures.values().removeIf(v -> v == null || !Double.isFinite(v));
        return figures;
    }

    /** The summary's details. */
    Map<String, Object> details(String digest) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(TrainSummary.ARTIFACT_DIGEST, digest);
        details.put(TrainSummary.ALGORITHM, search.algorithm().id());
        List<Map<String, Object>> snapshots = TrainSummary.snapshots(data.lineage());
        if (snapshots != null) {
            details.put(TrainSummary.SNAPSHOTS, snapshots);
        }
        if (plan.auto()) {
            details.put(TrainSummary.SELECTION_METRIC, plan.metricName());
            details.put(TrainSummary.CANDIDATES, search.candidates());
            details.put(TrainSummary.SELECTED_BY, search.selection().get("method"));
        }
        details.put(TrainSummary.SEARCH, searchJson());
        List<Map<String, Object>> importance = explanation.importance();
        details.put(
                TrainSummary.TOP_FEATURES,
                importance.subList(0, Math.min(TOP_IN_SUMMARY, importance.size())));
        Map<String, Object> selected = explanation.selected();
        if (selected != null) {
            Map<String, Object> sel = new LinkedHashMap<>();
            sel.put("topK", selected.get("topK"));
            @SuppressWarnings("unchecked")
            Map<String, Object> sm = (Map<String, Object>) selected.get("metrics");
            sel.put("auc", sm.get("auc"));
            sel.put("f1", sm.get("f1"));
            sel.put("logLoss", sm.get("logLoss"));
            details.put(TrainSummary.SELECTED, sel);
        }
        return details;
    }
}
