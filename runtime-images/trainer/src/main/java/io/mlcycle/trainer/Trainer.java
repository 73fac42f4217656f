package io.mlcycle.trainer;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.InputScaling;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
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
            Map<String, float[]> params,
            List<Fit.Fitted> fits,
            double seconds) {}

    public static Summary run(TrainTask t) throws IOException {
        long start = System.nanoTime();
        if (t.model() == null || t.model().isBlank()) {
            throw TaskFailure.invalid("MissingModel", "model is empty");
        }
        Path out = Uris.toPath(t.outputUri(), "outputUri");
        refuseIfPublished(out, t.outputUri());
        Algorithm algorithm = Algorithm.parse(t.algorithm());
        List<Fit.Params> grid = grid(t.hyperparameters(), algorithm);
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
                            pre == null || pre.scaling() == null ? "minmax" : pre.scaling());
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

        // grid search
        List<Map<String, Object>> trials = new ArrayList<>();
        int best = -1;
        double bestValue = Double.NaN;
        Evaluated bestEval = null;
        boolean higher = Metrics.higherIsBetter(metricName);
        for (int i = 0; i < grid.size(); i++) {
            Fit.Params p = grid.get(i);
            Evaluated e = validator.evaluate(algorithm, p, x, scaling, y, seed, stop);
            double threshold = threshold(t, e);
            Metrics m = Metrics.of(e.scores(), e.labels(), threshold);
            double value = m.get(metricName);
            Map<String, Object> trial = new LinkedHashMap<>();
            trial.put("trial", i);
            trial.put("hyperparameters", p.toMap());
            trial.put("metrics", m.toMap());
            if (stop != null || algorithm == Algorithm.LOGISTIC) {
                trial.put("fits", fits(e.fits()));
            }
            trial.put("seconds", e.seconds());
            trials.add(trial);
            log(
                    "trial %d/%d %s: %s=%.4f (%.1f s)",
                    i + 1, grid.size(), p.toMap(), metricName, value, e.seconds());
            if (best < 0
                    || (Double.isFinite(value)
                            && (!Double.isFinite(bestValue)
                                    || (higher ? value > bestValue : value < bestValue)))) {
                best = i;
                bestValue = value;
                bestEval = e;
            }
        }
        Fit.Params bestParams = grid.get(best);
        double threshold = threshold(t, bestEval);
        Metrics metrics = Metrics.of(bestEval.scores(), bestEval.labels(), threshold);
        Map<String, float[]> params =
                bestEval.params() != null
                        ? bestEval.params()
                        : Fit.fit(
                                        algorithm,
                                        bestParams,
                                        x,
                                        scaling,
                                        y,
                                        identity(x.rows()),
                                        seed,
                                        stop)
                                .params();

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
                        ModelSpec.PARAMETERS,
                        dropped.isEmpty() ? null : dropped);
        ModelArtifact model = ModelArtifact.of(spec, params);

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
            double[] imp = Explainer.importance(model.net(), x, samples, background, seed);
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
        metricsJson.put("bestTrial", best);
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

        String digest = publish(out, t.outputUri(), spec, params, metricsJson, importance, trials);

        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("auc", metrics.auc());
        figures.put("precision", metrics.precision());
        figures.put("recall", metrics.recall());
        figures.put("f1", metrics.f1());
        figures.put("logLoss", metrics.logLoss());
        figures.put("accuracy", metrics.accuracy());
        figures.put("threshold", threshold);
        figures.put("trials", (double) trials.size());
        figures.put("seconds", Math.round(seconds * 10) / 10.0);
        figures.put("rows", (double) x.rows());
        figures.put("features", (double) features.size());
        figures.values().removeIf(v -> v == null || !Double.isFinite(v));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("artifactDigest", digest);
        details.put(
                "topFeatures", importance.subList(0, Math.min(TOP_IN_SUMMARY, importance.size())));
        if (selected != null) {
            Map<String, Object> sel = new LinkedHashMap<>();
            sel.put("topK", selected.get("topK"));
            @SuppressWarnings("unchecked")
            Map<String, Object> sm = (Map<String, Object>) selected.get("metrics");
            sel.put("auc", sm.get("auc"));
            sel.put("f1", sm.get("f1"));
            sel.put("logLoss", sm.get("logLoss"));
            details.put("selected", sel);
        }
        return Summary.succeeded(Uris.fileUri(out, true), figures, details);
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
            Map<String, float[]> params,
            Map<String, Object> metrics,
            List<Map<String, Object>> importance,
            List<Map<String, Object>> trials)
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
            ModelArtifact.write(staging, spec, params);
            var writer = TaskJson.MAPPER.writerWithDefaultPrettyPrinter();
            writer.writeValue(staging.resolve(METRICS).toFile(), metrics);
            writer.writeValue(staging.resolve(IMPORTANCE).toFile(), importance);
            writer.writeValue(staging.resolve(TRIALS).toFile(), trials);
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
            return digest;
        } catch (IOException | RuntimeException e) {
            VersionedStore.discard(staging);
            throw e;
        }
    }

    /** A version directory with its marker is a published version: it is never written again. */
    static void refuseIfPublished(Path out, String outputUri) {
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
        boolean linear = algorithm == Algorithm.LOGISTIC;
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
                                            // logistic is solved by Newton's method: only
                                            // weightDecay (a fixed λ when > 0) applies
                                            out.add(
                                                    linear
                                                            ? new Fit.Params(
                                                                    0,
                                                                    "newton",
                                                                    0,
                                                                    0,
                                                                    1,
                                                                    0,
                                                                    0,
                                                                    wd,
                                                                    Fit.CONSTANT)
                                                            : new Fit.Params(
                                                                    lr,
                                                                    o.toLowerCase(Locale.ROOT),
                                                                    e,
                                                                    b,
                                                                    hs,
                                                                    bl,
                                                                    d,
                                                                    wd,
                                                                    sch.toLowerCase(Locale.ROOT)));
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
