package io.mlcycle.trainer;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Runs one {@link TrainTask}: assemble and label, prune, search the grid under the chosen
 * validation, explain, optionally retrain on the top-K, and publish the artifact.
 */
public final class Trainer {

    static final String METRICS = "metrics.json";
    static final String IMPORTANCE = "importance.json";
    static final String TRIALS = "trials.json";
    private static final int TOP_IN_SUMMARY = 10;
    private static final int MAX_TRIALS = 200;

    private Trainer() {}

    /**
     * Scores of the validation rows of one evaluation, aligned with their labels; the fits behind
     * them (one for hold-out, one per fold).
     */
    record Evaluated(
            float[] scores,
            int[] labels,
            Fit.Fitted fitted,
            List<Fit.Fitted> fits,
            double seconds) {}

    /** The learners {@code auto} tries, cheapest first (the budget may stop the later ones). */
    static final List<Algorithm> AUTO =
            List.of(Algorithm.LOGISTIC, Algorithm.XGBOOST, Algorithm.RESNET);

    static final String AUTO_ID = "auto";

    public static Summary run(TrainTask t) throws IOException {
        return run(t, System::nanoTime, learner -> {});
    }

    /**
     * {@link #run(TrainTask)} with xgboost's boosting rounds on {@code engine} (trainer-spark's
     * executors): one task at a time per process.
     */
    public static Summary run(TrainTask t, BoostingEngine engine) throws IOException {
        BoostingEngine before = Boosted.engine;
        Boosted.engine = engine;
        try {
            return run(t);
        } finally {
            Boosted.engine = before;
        }
    }

    /**
     * {@link #run(TrainTask)} with the clock that {@code search.budget} is measured on and a hook
     * called before every trial's fit (tests make a learner fail there).
     */
    static Summary run(
            TrainTask t,
            java.util.function.LongSupplier budgetClock,
            java.util.function.Consumer<Algorithm> beforeTrial)
            throws IOException {
        long start = System.nanoTime();
        long budgetStart = budgetClock.getAsLong();
        if (t.model() == null || t.model().isBlank()) {
            throw TaskFailure.invalid("MissingModel", "model is empty");
        }
        Path out =
                Storage.isS3(t.outputUri())
                        ? Storage.localMirror(t.outputUri())
                        : Uris.toPath(t.outputUri(), "outputUri");
        refuseIfPublished(out, t.outputUri());
        boolean auto =
                t.algorithm() == null
                        || t.algorithm().isBlank()
                        || t.algorithm().trim().equalsIgnoreCase(AUTO_ID);
        List<Algorithm> learners = auto ? AUTO : List.of(Algorithm.parse(t.algorithm()));
        Map<Algorithm, List<Fit.Params>> grids = new LinkedHashMap<>();
        for (Algorithm a : learners) {
            grids.put(a, grid(t.hyperparameters(), a));
        }
        Search search = Search.of(t.search());
        String metricName = t.selectionMetric() == null ? "auc" : t.selectionMetric();
        try {
            Metrics.higherIsBetter(metricName);
            new Metrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).get(metricName);
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("UnknownMetric", e.getMessage());
        }
        Fit.EarlyStopping stop = earlyStopping(t.earlyStopping(), metricName);
        TrainTask.Validation given = t.validation();
        // unset numbers arrive as 0: fall back to the documented defaults
        TrainTask.Validation validation =
                new TrainTask.Validation(
                        given == null || given.method() == null ? "holdout" : given.method(),
                        given == null || given.testFraction() == 0 ? 0.2 : given.testFraction(),
                        given == null || given.folds() == 0 ? 5 : given.folds(),
                        given == null ? 42 : given.seed());
        long seed = validation.seed();

        TrainingData data = TrainingData.load(t);
        Progress.report(
                "read %d labelled rows, %d features", data.x().rows(), data.x().numFeatures());
        log(
                "data: %d labelled rows, %d features, %d non-zeros (%.1f s)",
                data.x().rows(),
                data.x().numFeatures(),
                data.x().nonZeros(),
                (System.nanoTime() - start) / 1e9);
        FeatureAssembler.Assembled assembled = data.assembled();
        List<String> allNames = assembled.names();

        // preprocessing: correlated features, then the scaling of what is left
        Map<String, String> dropped = new LinkedHashMap<>();
        int[] keep = identity(allNames.size());
        TrainTask.Preprocessing pre = t.preprocessing();
        if (pre != null && pre.dropCorrelatedAbove() != null) {
            Preprocess.Pruned pruned =
                    Preprocess.dropCorrelated(data.x(), allNames, pre.dropCorrelatedAbove());
            keep = pruned.keep();
            dropped.putAll(pruned.dropped());
        }
        SparseMatrix x =
                keep.length == allNames.size()
                        ? data.x()
                        : FeatureAssembler.selectColumns(data.x(), keep);
        InputScaling.Method scalingMethod;
        try {
            scalingMethod =
                    InputScaling.Method.parse(
                            pre == null || pre.scaling() == null ? "log" : pre.scaling());
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid(
                    "UnknownScaling",
                    "preprocessing.scaling '" + pre.scaling() + "' is not minmax, log or none");
        }
        List<ModelSpec.Feature> features = new ArrayList<>();
        List<Double> min = new ArrayList<>();
        List<Double> max = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            features.add(assembled.features().get(keep[i]));
            min.add(assembled.min()[keep[i]]);
            max.add(assembled.max()[keep[i]]);
        }
        InputScaling scaling = InputScaling.of(scalingMethod, min, max);
        int[] y = data.y();
        Validator validator = Validator.of(validation, y);

        // the search: for auto, every learner's points are compared on rows carved from the
        // training rows, and only the chosen one is then evaluated on the validation rows
        int[] selectionTrain = null;
        int[] selectionValid = null;
        if (auto) {
            int[] pool = validator.trainingRows();
            Splits.Split carved = Splits.holdout(Validator.labelsOf(y, pool), 0.2, seed + 1);
            selectionTrain = Fit.pick(pool, carved.train());
            selectionValid = Fit.pick(pool, carved.test());
        }
        List<Map<String, Object>> trials = new ArrayList<>();
        List<Map<String, Object>> candidates = new ArrayList<>();
        Algorithm algorithm = null;
        Fit.Params bestParams = null;
        double bestValue = Double.NaN;
        Evaluated bestEval = null;
        int bestTrial = -1;
        RuntimeException firstError = null;
        boolean budgetExhausted = false;
        int skipped = 0;
        boolean higher = Metrics.higherIsBetter(metricName);
        for (Algorithm learner : learners) {
            List<Fit.Params> points = search.points(grids.get(learner), seed);
            int rungs = search.method().equals("halving") ? Search.rungs(points.size()) : 1;
            Map<String, Object> candidate = new LinkedHashMap<>();
            candidate.put("algorithm", learner.id());
            double candidateBest = Double.NaN;
            double candidateSeconds = 0;
            String candidateError = null;
            int candidateTrials = 0;
            for (int rung = 0; rung < rungs && !points.isEmpty(); rung++) {
                List<double[]> ranked = new ArrayList<>();
                for (int i = 0; i < points.size(); i++) {
                    if (algorithm != null
                            && search.exhausted(budgetClock.getAsLong() - budgetStart)) {
                        budgetExhausted = true;
                        skipped++;
                        continue;
                    }
                    Fit.Params p =
                            rungs > 1 ? Search.atRung(points.get(i), rung, rungs) : points.get(i);
                    Map<String, Object> trial = new LinkedHashMap<>();
                    trial.put("trial", trials.size());
                    trial.put("algorithm", learner.id());
                    if (rungs > 1) {
                        trial.put("rung", rung);
                    }
                    trial.put("hyperparameters", p.toMap());
                    trials.add(trial);
                    candidateTrials++;
                    Evaluated e;
                    try {
                        beforeTrial.accept(learner);
                        e =
                                auto
                                        ? Validator.evaluateOn(
                                                learner,
                                                p,
                                                x,
                                                scaling,
                                                y,
                                                seed,
                                                stop,
                                                selectionTrain,
                                                selectionValid)
                                        : validator.evaluate(learner, p, x, scaling, y, seed, stop);
                    } catch (RuntimeException | LinkageError ex) {
                        // one failed learner or point never fails the run while another succeeds;
                        // a LinkageError is a native library that would not load (xgboost's
                        // libgomp missing from an image)
                        if (firstError == null) {
                            firstError =
                                    ex instanceof RuntimeException r
                                            ? r
                                            : new TaskFailure(
                                                    Summary.Outcome.Failed,
                                                    "LearnerUnavailable",
                                                    learner.id() + ": " + ex);
                        }
                        candidateError = ex.getMessage();
                        trial.put("error", String.valueOf(ex.getMessage()));
                        log(
                                "trial %d %s %s failed: %s",
                                trials.size(), learner.id(), p.toMap(), ex);
                        continue;
                    }
                    double threshold = threshold(t, e);
                    Metrics m = Metrics.of(e.scores(), e.labels(), threshold);
                    double value = m.get(metricName);
                    trial.put(auto ? "selectionMetrics" : "metrics", m.toMap());
                    if (stop != null || learner != Algorithm.RESNET && learner != Algorithm.MLP) {
                        trial.put("fits", fits(e.fits()));
                    }
                    trial.put("seconds", e.seconds());
                    candidateSeconds += e.seconds();
                    Progress.report(
                            "trial %d %s done, %s %.4f",
                            trials.size(), learner.id(), metricName, value);
                    log(
                            "trial %d %s %s: %s=%.4f (%.1f s)%s",
                            trials.size(),
                            learner.id(),
                            p.toMap(),
                            metricName,
                            value,
                            e.seconds(),
                            auto ? " on rows carved from the training rows" : "");
                    ranked.add(new double[] {i, value});
                    if (rung < rungs - 1) {
                        continue; // halving: only the last rung trains the full epochs
                    }
                    if (better(value, candidateBest, higher)) {
                        candidateBest = value;
                    }
                    if (algorithm == null || better(value, bestValue, higher)) {
                        algorithm = learner;
                        bestTrial = trials.size() - 1;
                        bestParams = p;
                        bestValue = value;
                        bestEval = e;
                    }
                }
                if (rung < rungs - 1) {
                    ranked.sort(
                            (a, b) ->
                                    higher
                                            ? Double.compare(b[1], a[1])
                                            : Double.compare(a[1], b[1]));
                    List<Fit.Params> next = new ArrayList<>();
                    for (int k = 0;
                            k
                                    < Math.min(
                                            ranked.size(),
                                            (points.size() + Search.ETA - 1) / Search.ETA);
                            k++) {
                        next.add(points.get((int) ranked.get(k)[0]));
                    }
                    points = next;
                }
            }
            candidate.put("trials", candidateTrials);
            candidate.put(metricName, Metrics.finite(candidateBest));
            candidate.put("seconds", Math.round(candidateSeconds * 10) / 10.0);
            candidate.put(
                    "status",
                    Double.isFinite(candidateBest) || candidateTrials > 0 && candidateError == null
                            ? "Succeeded"
                            : candidateTrials == 0 ? "SkippedByBudget" : "Failed");
            if (candidateError != null && !Double.isFinite(candidateBest)) {
                candidate.put("message", candidateError);
            }
            candidates.add(candidate);
        }
        if (algorithm == null) {
            throw firstError != null
                    ? firstError
                    : TaskFailure.invalid("NoTrial", "no trial ran within search.budget");
        }
        for (Map<String, Object> c : candidates) {
            c.put("chosen", c.get("algorithm").equals(algorithm.id()));
        }
        if (auto) {
            log(
                    "auto chose %s (%s=%.4f on the carved rows)",
                    algorithm.id(), metricName, bestValue);
            bestEval = validator.evaluate(algorithm, bestParams, x, scaling, y, seed, stop);
        }
        double threshold = threshold(t, bestEval);
        Metrics metrics = Metrics.of(bestEval.scores(), bestEval.labels(), threshold);
        Fit.Fitted fitted =
                bestEval.fitted() != null
                        ? bestEval.fitted()
                        : Fit.fit(
                                algorithm,
                                bestParams,
                                x,
                                scaling,
                                y,
                                identity(x.rows()),
                                seed,
                                stop);
        ModelSpec spec =
                new ModelSpec(
                        t.model(),
                        t.version(),
                        algorithm.id(),
                        t.entity(),
                        features,
                        scaling.toSpec(),
                        threshold,
                        bestParams.architecture(features.size()),
                        Instant.now().toString(),
                        t.features(),
                        t.labels().uri(),
                        fitted.trees() != null ? ModelSpec.TREES : ModelSpec.PARAMETERS,
                        dropped.isEmpty() ? null : dropped);
        ModelArtifact model =
                fitted.trees() != null
                        ? ModelArtifact.of(spec, fitted.trees())
                        : ModelArtifact.of(spec, fitted.params());

        // explain and select
        TrainTask.Explain explain =
                t.explain() != null ? t.explain() : new TrainTask.Explain("shap", 200, 100, 20);
        boolean shap = explain.method() == null || explain.method().equalsIgnoreCase("shap");
        if (!shap && explain.method() != null && !explain.method().equalsIgnoreCase("none")) {
            throw TaskFailure.invalid(
                    "UnknownExplainMethod",
                    "explain.method '" + explain.method() + "' is not shap or none");
        }
        if (!shap && t.select() != null && t.select().topK() > 0) {
            throw TaskFailure.invalid(
                    "SelectNeedsExplain",
                    "select.topK ranks features by SHAP importance: explain.method must be shap");
        }
        List<Map<String, Object>> importance = List.of();
        Map<String, Object> selected = null;
        double shapSeconds = 0;
        if (shap) {
            long s0 = System.nanoTime();
            Random rnd = new Random(seed + 17);
            int[] samples =
                    sample(
                            validator.explainRows(),
                            explain.samples() > 0 ? explain.samples() : 200,
                            rnd);
            int[] background =
                    sample(
                            validator.backgroundRows(),
                            explain.background() > 0 ? explain.background() : 100,
                            rnd);
            double[] imp =
                    model.trees() != null
                            ? Boosted.importance(model.trees(), x, samples)
                            : Explainer.importance(model.net(), x, samples, background, seed);
            shapSeconds = (System.nanoTime() - s0) / 1e9;
            log(
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
            importance = list;
            if (t.select() != null && t.select().topK() > 0) {
                int k = Math.min(t.select().topK(), features.size());
                int[] top = new int[k];
                for (int i = 0; i < k; i++) {
                    top[i] = order[i];
                }
                Arrays.sort(top);
                SparseMatrix xs = FeatureAssembler.selectColumns(x, top);
                List<String> names = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    names.add(features.get(top[i]).name());
                }
                Evaluated e =
                        validator.evaluate(
                                algorithm, bestParams, xs, scaling.select(top), y, seed, stop);
                Metrics ms = Metrics.of(e.scores(), e.labels(), threshold(t, e));
                selected = new LinkedHashMap<>();
                selected.put("topK", k);
                selected.put("metrics", ms.toMap());
                selected.put("features", names);
            }
        }

        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> metricsJson = new LinkedHashMap<>();
        metricsJson.put("model", t.model());
        metricsJson.put("version", t.version());
        metricsJson.put("algorithm", algorithm.id());
        metricsJson.put("algorithmRequested", auto ? AUTO_ID : algorithm.id());
        if (auto) {
            metricsJson.put("candidates", candidates);
            metricsJson.put("chosenOn", "rows carved from the training rows");
        }
        Map<String, Object> searchJson = new LinkedHashMap<>();
        searchJson.put("method", search.method());
        if (search.method().equals("random")) {
            searchJson.put("trials", search.trials());
        }
        if (search.budget() != null) {
            searchJson.put("budget", search.budget().toString());
        }
        searchJson.put(TrainSummary.BUDGET_EXHAUSTED, budgetExhausted);
        searchJson.put("trialsSkipped", skipped);
        metricsJson.put("search", searchJson);
        if (shap) {
            metricsJson.put("explainer", explainerOf(algorithm));
        }
        metricsJson.put(
                "validation",
                Map.of(
                        "method", validator.method(),
                        "testFraction", validation.testFraction(),
                        "folds", validation.folds(),
                        "seed", seed));
        metricsJson.put("selectionMetric", metricName);
        metricsJson.put("scaling", scalingMethod.id());
        if (stop != null) {
            metricsJson.put(
                    "earlyStopping",
                    Map.of(
                            "validationFraction", stop.validationFraction(),
                            "patience", stop.patience(),
                            "metric", stop.metric()));
        }
        metricsJson.put("thresholdChosenBy", t.threshold() != null ? "task" : "maxF1OnValidation");
        metricsJson.put("metrics", metrics.toMap());
        metricsJson.put(
                "curves", ModelCard.curves(bestEval.scores(), bestEval.labels(), ModelCard.POINTS));
        metricsJson.put("bestTrial", bestTrial);
        metricsJson.put("hyperparameters", bestParams.toMap());
        metricsJson.put("rows", x.rows());
        metricsJson.put("positives", Arrays.stream(y).sum());
        metricsJson.put("labelRows", data.labelRows());
        metricsJson.put("featuresIn", allNames.size());
        metricsJson.put("features", features.size());
        metricsJson.put("droppedFeatures", dropped);
        if (shap) {
            int k = explain.topK() > 0 ? explain.topK() : 20;
            metricsJson.put("topFeatures", importance.subList(0, Math.min(k, importance.size())));
        }
        if (selected != null) {
            metricsJson.put("selected", selected);
        }
        metricsJson.put("shapSeconds", shapSeconds);
        metricsJson.put("seconds", seconds);

        FeatureStatistics statistics =
                FeatureStatistics.of(x, features.stream().map(ModelSpec.Feature::name).toList());
        String digest =
                publish(
                        out,
                        t.outputUri(),
                        spec,
                        fitted,
                        metricsJson,
                        importance,
                        trials,
                        statistics);

        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("auc", metrics.auc());
        figures.put("precision", metrics.precision());
        figures.put("recall", metrics.recall());
        figures.put("f1", metrics.f1());
        figures.put("logLoss", metrics.logLoss());
        figures.put("accuracy", metrics.accuracy());
        figures.put(TrainSummary.THRESHOLD, threshold);
        figures.put(TrainSummary.TRIALS, (double) trials.size());
        figures.put(TrainSummary.SECONDS, Math.round(seconds * 10) / 10.0);
        figures.put(TrainSummary.ROWS, (double) x.rows());
        figures.put(TrainSummary.FEATURES, (double) features.size());
        figures.values().removeIf(v -> v == null || !Double.isFinite(v));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(TrainSummary.ARTIFACT_DIGEST, digest);
        details.put(TrainSummary.ALGORITHM, algorithm.id());
        if (auto) {
            details.put(TrainSummary.SELECTION_METRIC, metricName);
            details.put(TrainSummary.CANDIDATES, candidates);
        }
        details.put(TrainSummary.SEARCH, searchJson);
        details.put(
                TrainSummary.TOP_FEATURES,
                importance.subList(0, Math.min(TOP_IN_SUMMARY, importance.size())));
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
        String published =
                Storage.isS3(t.outputUri())
                        ? t.outputUri().replaceAll("/+$", "") + "/"
                        : Uris.fileUri(out, true);
        return Summary.succeeded(published, figures, details);
    }

    /** How importance is computed for a model of {@code algorithm}. */
    static String explainerOf(Algorithm algorithm) {
        return switch (algorithm) {
            case XGBOOST -> "treeshap";
            case LOGISTIC -> "exact-linear";
            case RESNET, MLP -> "expected-gradients";
        };
    }

    private static boolean better(double value, double best, boolean higher) {
        return Double.isFinite(value)
                && (!Double.isFinite(best) || (higher ? value > best : value < best));
    }

    /** The task's early stopping with defaults filled in; null when the task asks for none. */
    static Fit.EarlyStopping earlyStopping(TrainTask.EarlyStopping es, String metric) {
        if (es == null) {
            return null;
        }
        double fraction = es.validationFraction() == null ? 0.1 : es.validationFraction();
        int patience = es.patience() == null ? 2 : es.patience();
        if (!(fraction > 0 && fraction < 1)) {
            throw TaskFailure.invalid(
                    "InvalidEarlyStopping",
                    "earlyStopping.validationFraction must be between 0 and 1, got " + fraction);
        }
        if (patience < 1) {
            throw TaskFailure.invalid(
                    "InvalidEarlyStopping", "earlyStopping.patience must be >= 1, got " + patience);
        }
        return new Fit.EarlyStopping(fraction, patience, metric);
    }

    /** Epochs trained and kept per fit, with the held-out metric after each epoch. */
    private static List<Map<String, Object>> fits(List<Fit.Fitted> fits) {
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

    private static void log(String format, Object... args) {
        System.err.println("[trainer] " + String.format(Locale.ROOT, format, args));
    }

    private static double threshold(TrainTask t, Evaluated e) {
        if (t.threshold() != null) {
            if (!(t.threshold() > 0 && t.threshold() < 1)) {
                throw TaskFailure.invalid(
                        "InvalidThreshold",
                        "threshold must be between 0 and 1, got " + t.threshold());
            }
            return t.threshold();
        }
        return Metrics.bestF1Threshold(e.scores(), e.labels());
    }

    /**
     * Writes everything into a staging directory next to {@code out} and renames it into place,
     * marker included, in one step: a version that was published once is never replaced (a second
     * trainer of the same version fails instead of overwriting it). Returns the artifact's digest.
     */
    static String publish(
            Path out,
            String outputUri,
            ModelSpec spec,
            Fit.Fitted fitted,
            Map<String, Object> metrics,
            List<Map<String, Object>> importance,
            List<Map<String, Object>> trials,
            FeatureStatistics statistics)
            throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, ".staging-" + out.getFileName() + "-");
        try {
            // temp directories are owner-only; the serving pods read the artifact as another user
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: its defaults apply
        }
        try {
            if (fitted.trees() != null) {
                ModelArtifact.write(staging, spec, fitted.trees());
            } else {
                ModelArtifact.write(staging, spec, fitted.params());
            }
            var writer = TaskJson.MAPPER.writerWithDefaultPrettyPrinter();
            writer.writeValue(staging.resolve(METRICS).toFile(), metrics);
            writer.writeValue(staging.resolve(IMPORTANCE).toFile(), importance);
            writer.writeValue(staging.resolve(TRIALS).toFile(), trials);
            Files.writeString(staging.resolve(ModelCard.FILE), ModelCard.html(spec, metrics));
            statistics.write(staging);
            // the files must load before they are published
            ModelArtifact.load(staging).close();
            String digest = ArtifactDigest.of(staging);
            Files.writeString(staging.resolve(VersionedStore.SUCCESS), "");
            refuseIfPublished(out, outputUri);
            if (Files.exists(out)) {
                // an unpublished leftover (no marker) of an interrupted copy: never read, replace
                // it
                Path old =
                        parent.resolve(".replaced-" + out.getFileName() + "-" + System.nanoTime());
                move(out, old);
                VersionedStore.deleteRecursively(old);
            }
            try {
                // rename(2) onto a directory another trainer has just published fails: no overwrite
                Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (Files.exists(out.resolve(VersionedStore.SUCCESS))) {
                    throw alreadyPublished(outputUri);
                }
                throw e;
            }
            if (Storage.isS3(outputUri)
                    && !ObjectDirs.publishOnce(
                            out, Storage.locate(outputUri, "outputUri"), VersionedStore.SUCCESS)) {
                // another trainer's conditional marker write won: its version stays
                throw alreadyPublished(outputUri);
            }
            return digest;
        } catch (IOException | RuntimeException e) {
            VersionedStore.discard(staging);
            throw e;
        }
    }

    /** A version directory with its marker is a published version: it is never written again. */
    static void refuseIfPublished(Path out, String outputUri) {
        if (Storage.isS3(outputUri)) {
            String marker = outputUri.replaceAll("/+$", "") + "/" + VersionedStore.SUCCESS;
            if (Storage.exists(marker, "outputUri")) {
                throw alreadyPublished(outputUri);
            }
            return;
        }
        if (Files.exists(out.resolve(VersionedStore.SUCCESS))) {
            throw alreadyPublished(outputUri);
        }
    }

    private static TaskFailure alreadyPublished(String outputUri) {
        return new TaskFailure(
                Summary.Outcome.Failed,
                "VersionAlreadyPublished",
                "outputUri "
                        + outputUri
                        + " already holds a published model (its "
                        + VersionedStore.SUCCESS
                        + " marker exists); a published version is never replaced");
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
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

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** The cartesian product of the list-valued hyper-parameters, in a fixed order. */
    static List<Fit.Params> grid(TrainTask.Hyperparameters h, Algorithm algorithm) {
        TrainTask.Hyperparameters hp =
                h != null
                        ? h
                        : new TrainTask.Hyperparameters(
                                null, null, null, null, null, null, null, null);
        List<Double> lrs = or(hp.learningRate(), 0.001);
        List<String> opts = or(hp.optimizer(), "adam");
        List<Integer> epochs = or(hp.epochs(), 10);
        List<Integer> batch = or(hp.batchSize(), 256);
        List<Integer> hidden = or(hp.hiddenSize(), 64);
        List<Integer> blocks = or(hp.blocks(), 2);
        List<Double> dropout = or(hp.dropout(), 0.1);
        List<Double> decay = or(hp.weightDecay(), 0.0);
        List<String> schedules = or(hp.learningRateSchedule(), Fit.CONSTANT);
        check(lrs, v -> v > 0, "learningRate", "must be > 0");
        check(epochs, v -> v >= 1, "epochs", "must be >= 1");
        check(batch, v -> v >= 1, "batchSize", "must be >= 1");
        check(hidden, v -> v >= 1, "hiddenSize", "must be >= 1");
        check(blocks, v -> v >= 0, "blocks", "must be >= 0");
        check(dropout, v -> v >= 0 && v < 1, "dropout", "must be in [0, 1)");
        check(decay, v -> v >= 0, "weightDecay", "must be >= 0");
        for (String o : opts) {
            if (!List.of("adam", "sgd").contains(o == null ? "" : o.toLowerCase(Locale.ROOT))) {
                throw TaskFailure.invalid(
                        "InvalidHyperparameter",
                        "hyperparameters.optimizer '" + o + "' is not adam or sgd");
            }
        }
        for (String sch : schedules) {
            if (!Fit.SCHEDULES.contains(sch == null ? "" : sch.toLowerCase(Locale.ROOT))) {
                throw TaskFailure.invalid(
                        "InvalidHyperparameter",
                        "hyperparameters.learningRateSchedule '"
                                + sch
                                + "' is not one of "
                                + Fit.SCHEDULES);
            }
        }
        Set<Fit.Params> out = new LinkedHashSet<>();
        for (double lr : lrs) {
            for (String o : opts) {
                for (int e : epochs) {
                    for (int b : batch) {
                        for (int hs : hidden) {
                            for (int bl : blocks) {
                                for (double d : dropout) {
                                    for (double wd : decay) {
                                        for (String sch : schedules) {
                                            out.add(
                                                    point(
                                                            algorithm, lr, o, e, b, hs, bl, d, wd,
                                                            sch));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if (out.size() > MAX_TRIALS) {
            throw TaskFailure.invalid(
                    "GridTooLarge",
                    "the hyper-parameter grid has "
                            + out.size()
                            + " points; the limit is "
                            + MAX_TRIALS);
        }
        return List.copyOf(out);
    }

    /**
     * One grid point for {@code algorithm}: logistic is solved by Newton's method (only
     * weightDecay, a fixed λ when > 0, applies) and xgboost runs its own small search, so their
     * other axes collapse into one point.
     */
    private static Fit.Params point(
            Algorithm algorithm,
            double lr,
            String optimizer,
            int epochs,
            int batch,
            int hidden,
            int blocks,
            double dropout,
            double decay,
            String schedule) {
        return switch (algorithm) {
            case LOGISTIC -> new Fit.Params(0, Fit.NEWTON, 0, 0, 1, 0, 0, decay, Fit.CONSTANT);
            case XGBOOST ->
                    new Fit.Params(Boosted.ETA, Fit.XGBOOST, 0, 0, 1, 0, 0, 0, Fit.CONSTANT);
            case RESNET, MLP ->
                    new Fit.Params(
                            lr,
                            optimizer.toLowerCase(Locale.ROOT),
                            epochs,
                            batch,
                            hidden,
                            blocks,
                            dropout,
                            decay,
                            schedule.toLowerCase(Locale.ROOT));
        };
    }

    private static <T> List<T> or(List<T> values, T fallback) {
        return values == null || values.isEmpty() ? List.of(fallback) : values;
    }

    private static <T> void check(
            List<T> values, java.util.function.Predicate<T> ok, String field, String rule) {
        for (T v : values) {
            if (v == null || !ok.test(v)) {
                throw TaskFailure.invalid(
                        "InvalidHyperparameter", "hyperparameters." + field + " " + v + " " + rule);
            }
        }
    }
}
