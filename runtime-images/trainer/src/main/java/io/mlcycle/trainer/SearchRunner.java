package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.InputScaling;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Runs a {@link TrainPlan}'s search: every learner's points (halving over rungs), each trial scored
 * by the selection metric, within the time budget. For auto, the points are compared on rows carved
 * from the training rows, never on the validation rows.
 */
final class SearchRunner {

    /**
     * The outcome: the best trial and the record of all of them.
     *
     * @param bestEval the best trial's evaluation (for auto: on the carved rows)
     * @param skipped trials the budget left out
     */
    record Result(
            Algorithm algorithm,
            Fit.Params bestParams,
            double bestValue,
            Trainer.Evaluated bestEval,
            int bestTrial,
            List<Map<String, Object>> trials,
            List<Map<String, Object>> candidates,
            boolean budgetExhausted,
            int skipped) {}

    /** One learner's tally while its trials run. */
    private static final class Candidate {
        double best = Double.NaN;
        double seconds;
        String error;
        int trials;
    }

    private final TrainPlan plan;
    private final TrainTask task;
    private final PreparedData data;
    private final Validator validator;
    private final LongSupplier budgetClock;
    private final long budgetStart;
    private final Consumer<Algorithm> beforeTrial;
    private final boolean higher;
    private int[] selectionTrain;
    private int[] selectionValid;

    private final List<Map<String, Object>> trials = new ArrayList<>();
    private Algorithm algorithm;
    private Fit.Params bestParams;
    private double bestValue = Double.NaN;
    private Trainer.Evaluated bestEval;
    private int bestTrial = -1;
    private RuntimeException firstError;
    private boolean budgetExhausted;
    private int skipped;

    SearchRunner(
            TrainPlan plan,
            TrainTask task,
            PreparedData data,
            Validator validator,
            LongSupplier budgetClock,
            long budgetStart,
            Consumer<Algorithm> beforeTrial) {
        this.plan = plan;
        this.task = task;
        this.data = data;
        this.validator = validator;
        this.budgetClock = budgetClock;
        this.budgetStart = budgetStart;
        this.beforeTrial = beforeTrial;
        this.higher = Metrics.higherIsBetter(plan.metricName());
    }

    Result run() {
        if (plan.auto()) {
            int[] pool = validator.trainingRows();
            Splits.Split carved =
                    Splits.holdout(Validator.labelsOf(data.y(), pool), 0.2, plan.seed() + 1);
            selectionTrain = Fit.pick(pool, carved.train());
            selectionValid = Fit.pick(pool, carved.test());
        }
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (Algorithm learner : plan.learners()) {
            candidates.add(runLearner(learner));
        }
        if (algorithm == null) {
            throw firstError != null
                    ? firstError
                    : TaskFailure.invalid("NoTrial", "no trial ran within search.budget");
        }
        for (Map<String, Object> c : candidates) {
            c.put("chosen", c.get("algorithm").equals(algorithm.id()));
        }
        return new Result(
                algorithm,
                bestParams,
                bestValue,
                bestEval,
                bestTrial,
                trials,
                candidates,
                budgetExhausted,
                skipped);
    }

    private Map<String, Object> runLearner(Algorithm learner) {
        Search search = plan.search();
        List<Fit.Params> points = search.points(plan.grids().get(learner), plan.seed());
        int rungs = search.method().equals("halving") ? Search.rungs(points.size()) : 1;
        Candidate c = new Candidate();
        for (int rung = 0; rung < rungs && !points.isEmpty(); rung++) {
            List<double[]> ranked = runRung(learner, points, rung, rungs, c);
            if (rung < rungs - 1) {
                points = halve(points, ranked);
            }
        }
        Map<String, Object> candidate = new LinkedHashMap<>();
        candidate.put("algorithm", learner.id());
        candidate.put("trials", c.trials);
        candidate.put(plan.metricName(), Metrics.finite(c.best));
        candidate.put("seconds", Math.round(c.seconds * 10) / 10.0);
        candidate.put(
                "status",
                Double.isFinite(c.best) || c.trials > 0 && c.error == null
                        ? "Succeeded"
                        : c.trials == 0 ? "SkippedByBudget" : "Failed");
        if (c.error != null && !Double.isFinite(c.best)) {
            candidate.put("message", c.error);
        }
        return candidate;
    }

    /** The best 1/ETA of the points of a rung, for the next. */
    private List<Fit.Params> halve(List<Fit.Params> points, List<double[]> ranked) {
        ranked.sort((a, b) -> higher ? Double.compare(b[1], a[1]) : Double.compare(a[1], b[1]));
        List<Fit.Params> next = new ArrayList<>();
        int keep = Math.min(ranked.size(), (points.size() + Search.ETA - 1) / Search.ETA);
        for (int k = 0; k < keep; k++) {
            next.add(points.get((int) ranked.get(k)[0]));
        }
        return next;
    }

    /** Runs one rung's points; returns (point index, metric) of each that finished. */
    private List<double[]> runRung(
            Algorithm learner, List<Fit.Params> points, int rung, int rungs, Candidate c) {
        List<double[]> ranked = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            if (algorithm != null
                    && plan.search().exhausted(budgetClock.getAsLong() - budgetStart)) {
                budgetExhausted = true;
                skipped++;
                continue;
            }
            Fit.Params p = rungs > 1 ? Search.atRung(points.get(i), rung, rungs) : points.get(i);
            Map<String, Object> trial = new LinkedHashMap<>();
            trial.put("trial", trials.size());
            trial.put("algorithm", learner.id());
            if (rungs > 1) {
                trial.put("rung", rung);
            }
            trial.put("hyperparameters", p.toMap());
            trials.add(trial);
            c.trials++;
            Trainer.Evaluated e = evaluate(learner, p, trial, c);
            if (e == null) {
                continue;
            }
            double value = score(learner, p, e, trial);
            c.seconds += e.seconds();
            ranked.add(new double[] {i, value});
            if (rung < rungs - 1) {
                continue; // halving: only the last rung trains the full epochs
            }
            if (better(value, c.best, higher)) {
                c.best = value;
            }
            if (algorithm == null || better(value, bestValue, higher)) {
                algorithm = learner;
                bestTrial = trials.size() - 1;
                bestParams = p;
                bestValue = value;
                bestEval = e;
            }
        }
        return ranked;
    }

    /** One trial's evaluation; null when it failed (recorded on the trial and the candidate). */
    private Trainer.Evaluated evaluate(
            Algorithm learner, Fit.Params p, Map<String, Object> trial, Candidate c) {
        SparseMatrix x = data.x();
        InputScaling scaling = data.scaling();
        try {
            beforeTrial.accept(learner);
            return plan.auto()
                    ? Validator.evaluateOn(
                            learner,
                            p,
                            x,
                            scaling,
                            data.y(),
                            plan.seed(),
                            plan.stop(),
                            selectionTrain,
                            selectionValid)
                    : validator.evaluate(
                            learner, p, x, scaling, data.y(), plan.seed(), plan.stop());
        } catch (RuntimeException | LinkageError ex) {
            // one failed learner or point never fails the run while another succeeds; a
            // LinkageError is a native library that would not load (xgboost's libgomp missing
            // from an image)
            if (firstError == null) {
                firstError =
                        ex instanceof RuntimeException r
                                ? r
                                : new TaskFailure(
                                        Summary.Outcome.Failed,
                                        "LearnerUnavailable",
                                        learner.id() + ": " + ex);
            }
            c.error = ex.getMessage();
            trial.put("error", String.valueOf(ex.getMessage()));
            Trainer.log("trial %d %s %s failed: %s", trials.size(), learner.id(), p.toMap(), ex);
            return null;
        }
    }

    /** Scores a finished trial by the selection metric and records it. */
    private double score(
            Algorithm learner, Fit.Params p, Trainer.Evaluated e, Map<String, Object> trial) {
        String metricName = plan.metricName();
        double threshold = TrainPlan.threshold(task, e);
        Metrics m = Metrics.of(e.scores(), e.labels(), threshold);
        double value = m.get(metricName);
        trial.put(plan.auto() ? "selectionMetrics" : "metrics", m.toMap());
        if (plan.stop() != null || learner != Algorithm.RESNET && learner != Algorithm.MLP) {
            trial.put("fits", fits(e.fits()));
        }
        trial.put("seconds", e.seconds());
        Progress.report(
                "trial %d %s done, %s %.4f", trials.size(), learner.id(), metricName, value);
        Trainer.log(
                "trial %d %s %s: %s=%.4f (%.1f s)%s",
                trials.size(),
                learner.id(),
                p.toMap(),
                metricName,
                value,
                e.seconds(),
                plan.auto() ? " on rows carved from the training rows" : "");
        return value;
    }

    static boolean better(double value, double best, boolean higher) {
        return Double.isFinite(value)
                && (!Double.isFinite(best) || (higher ? value > best : value < best));
    }

    /** Epochs trained and kept per fit, with the held-out metric after each epoch. */
    static List<Map<String, Object>> fits(List<Fit.Fitted> fits) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Fit.Fitted f : fits) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (f.trees() != null) {
                m.put("maxDepth", f.bestEpoch());
                m.put("rounds", f.epochs());
                m.put("validationAucByDepth", f.history());
                m.put("depths", Boosted.DEPTHS);
                out.add(m);
                continue;
            }
            m.put("epochs", f.epochs());
            m.put("bestEpoch", f.bestEpoch());
            m.put("history", f.history());
            if (f.l2() != null) {
                m.put("l2", f.l2());
                if (!f.history().isEmpty()) {
                    m.put("l2Path", Logistic.PATH);
                }
            }
            out.add(m);
        }
        return out;
    }
}
