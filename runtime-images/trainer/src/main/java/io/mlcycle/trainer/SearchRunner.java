package io.mlcycle.trainer;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Runs a {@link TrainPlan}'s search: every learner's points (halving over rungs), each trial scored
 * by the selection metric, within the time budget. For auto, the points are scored on the training
 * rows by a {@link Selection} (inner k-fold or a carve, never the validation rows) and the learner
 * is chosen by the one-standard-error rule.
 */
final class SearchRunner {

    /**
     * The outcome: the best trial and the record of all of them.
     *
     * @param bestEval the best trial's evaluation (for auto: on the selection rows)
     * @param skipped trials the budget left out
     * @param selection for auto: how the candidates were compared and why the winner won
     * @param members the ensemble's members when it won (algorithm ensemble), else null
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
            int skipped,
            Map<String, Object> selection,
            List<EnsembleModel.Member> members) {}

    /** One learner's tally while its trials run. */
    private static final class Candidate {
        double best = Double.NaN;
        Selection.Score bestScore;
        int bestTrial = -1;
        double seconds;
        String error;
        int trials;
    }

    /** The candidate table's key for why a candidate was scored on its first inner fold only. */
    static final String STOPPED = "stoppedAfterFirstFold";

    private final TrainPlan plan;
    private final TrainTask task;
    private final PreparedData data;
    private final Validator validator;
    private final LongSupplier budgetClock;
    private final long budgetStart;
    private final Consumer<Algorithm> beforeTrial;
    private final boolean higher;
    private Selection selection;

    private final List<Map<String, Object>> trials = new ArrayList<>();
    private final List<Candidate> tallies = new ArrayList<>();
    private boolean anyFinished;
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
            selection =
                    Selection.of(validator.trainingRows(), data.y(), plan.seed(), plan.ensemble());
        }
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (Algorithm learner : plan.learners()) {
            Candidate c = new Candidate();
            tallies.add(c);
            candidates.add(runLearner(learner, c));
        }
        double[] mean = new double[tallies.size()];
        double[] se = new double[tallies.size()];
        for (int i = 0; i < tallies.size(); i++) {
            Selection.Score s = tallies.get(i).bestScore;
            // a candidate stopped after its first fold takes no part in the rule
            mean[i] = s == null || s.stopped() != null ? Double.NaN : s.mean();
            se[i] = s == null || s.stopped() != null ? Double.NaN : s.se();
        }
        List<String> names = new ArrayList<>(plan.learners().stream().map(Algorithm::id).toList());
        EnsembleOffer offer = plan.auto() ? offerEnsemble() : null;
        if (offer != null && offer.blend() != null) {
            names.add(Algorithm.ENSEMBLE.id());
            mean = java.util.Arrays.copyOf(mean, mean.length + 1);
            se = java.util.Arrays.copyOf(se, se.length + 1);
            mean[tallies.size()] = offer.blend().mean();
            se[tallies.size()] = offer.blend().se();
            candidates.add(offer.candidate());
        }
        Selection.Choice choice =
                plan.ensemble() && names.size() > tallies.size()
                        ? asked(mean[tallies.size()], se[tallies.size()], tallies.size())
                        : Selection.oneStandardError(names, mean, se, higher);
        for (int i = 0; choice == null && i < tallies.size(); i++) {
            if (tallies.get(i).bestScore != null) {
                choice =
                        new Selection.Choice(
                                i,
                                names.get(i)
                                        + ": no candidate has a finite "
                                        + plan.metricName()
                                        + "; the first that finished is kept");
            }
        }
        if (choice == null) {
            throw firstError != null
                    ? firstError
                    : TaskFailure.invalid("NoTrial", "no trial ran within search.budget");
        }
        for (int i = 0; i < candidates.size(); i++) {
            candidates.get(i).put("chosen", i == choice.index());
        }
        Map<String, Object> selected = null;
        if (plan.auto()) {
            selected = selection.toMap();
            selected.put("reason", choice.reason());
            selected.put(Algorithm.ENSEMBLE.id(), offer.note());
            candidates.get(choice.index()).put(TrainSummary.REASON, choice.reason());
        }
        if (choice.index() == tallies.size()) {
            return ensembleResult(offer, candidates, selected);
        }
        Candidate won = tallies.get(choice.index());
        return new Result(
                plan.learners().get(choice.index()),
                won.bestScore.params(),
                won.bestScore.mean(),
                won.bestScore.eval(),
                won.bestTrial,
                trials,
                candidates,
                budgetExhausted,
                skipped,
                selected,
                null);
    }

    /** algorithm ensemble: the ensemble (at {@code index}) whatever its score. */
    private static Selection.Choice asked(double mean, double se, int index) {
        return new Selection.Choice(
                index,
                String.format(
                        java.util.Locale.ROOT,
                        "ensemble: asked for by algorithm ensemble (mean %.4f ± %.4f)",
                        mean,
                        se));
    }

    /**
     * The ensemble candidate.
     *
     * @param blend its score, null when it is not offered
     * @param members the members with a weight above zero
     * @param candidate its row in the candidate table
     * @param note why it was or was not offered (metrics.json selection.ensemble)
     */
    private record EnsembleOffer(
            Blend.Result blend,
            List<EnsembleModel.Member> members,
            Map<String, Object> candidate,
            String note) {}

    /**
     * Blends the candidates' out-of-fold scores; offered only on inner folds (the carve has no row
     * with every candidate's out-of-fold score) and with at least two candidates.
     */
    private EnsembleOffer offerEnsemble() {
        List<Integer> finished = scoredOnEveryFold();
        if (!selection.method().equals(Selection.KFOLD) || finished.size() < 2) {
            return new EnsembleOffer(
                    null,
                    null,
                    null,
                    "not offered: it needs the out-of-fold scores of at least two candidates, which"
                            + " only inner folds give ("
                            + selection.method()
                            + ", "
                            + finished.size()
                            + " candidates finished)");
        }
        long t0 = System.nanoTime();
        float[][] oof = new float[finished.size()][];
        List<String> names = new ArrayList<>();
        for (int m = 0; m < oof.length; m++) {
            oof[m] = tallies.get(finished.get(m)).bestScore.eval().scores();
            names.add(plan.learners().get(finished.get(m)).id());
        }
        Blend.Result blend = selection.blend(oof, data.y(), task, plan.metricName());
        List<EnsembleModel.Member> members = new ArrayList<>();
        List<Map<String, Object>> table = new ArrayList<>();
        for (int m : Blend.used(blend.weights())) {
            Candidate c = tallies.get(finished.get(m));
            Algorithm learner = plan.learners().get(finished.get(m));
            members.add(
                    new EnsembleModel.Member(
                            learner, c.bestScore.params(), blend.weights()[m], c.bestTrial));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("algorithm", learner.id());
            row.put("weight", blend.weights()[m]);
            table.add(row);
        }
        Map<String, Object> candidate = new LinkedHashMap<>();
        candidate.put("algorithm", Algorithm.ENSEMBLE.id());
        candidate.put("trials", 0);
        candidate.put(plan.metricName(), Metrics.finite(blend.mean()));
        candidate.put(TrainSummary.STANDARD_ERROR, Metrics.finite(blend.se()));
        candidate.put("folds", blend.folds());
        candidate.put(TrainSummary.MEMBERS, table);
        candidate.put("weightsFitBy", EnsembleModel.WEIGHTS_FIT_BY);
        candidate.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        candidate.put("status", "Succeeded");
        Trainer.log(
                "ensemble of %s: %s=%.4f ± %.4f on the training rows, by %s",
                Blend.describe(names, blend.weights()),
                plan.metricName(),
                blend.mean(),
                blend.se(),
                selection.method());
        return new EnsembleOffer(
                blend,
                members,
                candidate,
                "offered: "
                        + Blend.describe(names, blend.weights())
                        + "; "
                        + EnsembleModel.WEIGHTS_FIT_BY);
    }

    /** The candidates (positions in {@link #tallies}) scored on every fold so far. */
    private List<Integer> scoredOnEveryFold() {
        List<Integer> finished = new ArrayList<>();
        for (int i = 0; i < tallies.size(); i++) {
            Selection.Score s = tallies.get(i).bestScore;
            if (s != null && s.stopped() == null) {
                finished.add(i);
            }
        }
        return finished;
    }

    private Result ensembleResult(
            EnsembleOffer offer,
            List<Map<String, Object>> candidates,
            Map<String, Object> selected) {
        EnsembleModel.Member top = EnsembleModel.heaviest(offer.members());
        Trainer.Evaluated e =
                new Trainer.Evaluated(
                        offer.blend().scores(),
                        Validator.labelsOf(data.y(), validator.trainingRows()),
                        null,
                        List.of(),
                        0);
        return new Result(
                Algorithm.ENSEMBLE,
                top.params(),
                offer.blend().mean(),
                e,
                top.trial(),
                trials,
                candidates,
                budgetExhausted,
                skipped,
                selected,
                List.copyOf(offer.members()));
    }

    private Map<String, Object> runLearner(Algorithm learner, Candidate c) {
        Search search = plan.search();
        List<Fit.Params> points = search.points(plan.grids().get(learner), plan.seed());
        int rungs = search.method().equals("halving") ? Search.rungs(points.size()) : 1;
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
        if (plan.auto() && c.bestScore != null) {
            candidate.put(TrainSummary.STANDARD_ERROR, Metrics.finite(c.bestScore.se()));
            candidate.put("folds", c.bestScore.folds());
            if (c.bestScore.note() != null) {
                candidate.put("hyperparametersChosenBy", c.bestScore.note());
            }
            if (c.bestScore.stopped() != null) {
                candidate.put(STOPPED, c.bestScore.stopped());
            }
        }
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
            if (anyFinished && plan.search().exhausted(budgetClock.getAsLong() - budgetStart)) {
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
            Selection.Score e = evaluate(learner, p, trial, c);
            if (e == null) {
                continue;
            }
            double value = record(learner, e, trial);
            c.seconds += e.eval().seconds();
            ranked.add(new double[] {i, value});
            if (rung < rungs - 1) {
                continue; // halving: only the last rung trains the full epochs
            }
            anyFinished = true;
            // a point scored on every fold beats one stopped after its first
            boolean full = e.stopped() == null;
            boolean bestFull = c.bestScore != null && c.bestScore.stopped() == null;
            if (c.bestScore == null
                    || full && !bestFull
                    || full == bestFull && better(value, c.best, higher)) {
                c.best = value;
                c.bestScore = e;
                c.bestTrial = trials.size() - 1;
            }
        }
        return ranked;
    }

    /** One trial's evaluation; null when it failed (recorded on the trial and the candidate). */
    private Selection.Score evaluate(
            Algorithm learner, Fit.Params p, Map<String, Object> trial, Candidate c) {
        try {
            beforeTrial.accept(learner);
            if (plan.auto()) {
                // algorithm ensemble keeps every member on every fold
                float[][] earlier =
                        plan.ensemble()
                                ? new float[0][]
                                : scoredOnEveryFold().stream()
                                        .map(i -> tallies.get(i).bestScore.eval().scores())
                                        .toArray(float[][]::new);
                return selection.score(learner, p, data, plan, task, earlier);
            }
            Trainer.Evaluated e =
                    validator.evaluate(
                            learner,
                            p,
                            data.x(),
                            data.scaling(),
                            data.y(),
                            plan.seed(),
                            plan.stop());
            double threshold = TrainPlan.threshold(task, e);
            double value = Metrics.of(e.scores(), e.labels(), threshold).get(plan.metricName());
            return new Selection.Score(e, p, value, Double.NaN, 1, null, null);
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

    /** Records a finished trial's selection metric and returns it. */
    private double record(Algorithm learner, Selection.Score score, Map<String, Object> trial) {
        String metricName = plan.metricName();
        Trainer.Evaluated e = score.eval();
        double threshold = TrainPlan.threshold(task, e);
        Metrics m = Metrics.of(e.scores(), e.labels(), threshold);
        double value = score.mean();
        if (plan.auto()) {
            trial.put("hyperparameters", score.params().toMap());
            trial.put("selectionMetrics", m.toMap());
            trial.put("selectionMean", Metrics.finite(value));
            trial.put("selectionStandardError", Metrics.finite(score.se()));
            trial.put("selectionFolds", score.folds());
            if (score.stopped() != null) {
                trial.put(STOPPED, score.stopped());
            }
        } else {
            trial.put("metrics", m.toMap());
        }
        if (plan.stop() != null || learner != Algorithm.RESNET && learner != Algorithm.MLP) {
            trial.put("fits", fits(e.fits()));
        }
        trial.put("seconds", e.seconds());
        Progress.report(
                "trial %d %s done, %s %.4f", trials.size(), learner.id(), metricName, value);
        Trainer.log(
                "trial %d %s %s: %s=%.4f ± %.4f (%.1f s)%s",
                trials.size(),
                learner.id(),
                score.params().toMap(),
                metricName,
                value,
                score.se(),
                e.seconds(),
                plan.auto() ? " on the training rows, by " + selection.method() : "");
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
