package io.mlcycle.trainer;

import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.Layout;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Runs one {@link TrainTask}: assemble and label, prune, search the grid under the chosen
 * validation, explain, optionally retrain on the top-K, and publish the artifact.
 */
public final class Trainer {

    static final String METRICS = "metrics.json";
    static final String IMPORTANCE = Layout.IMPORTANCE;
    static final String TRIALS = "trials.json";

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

    /**
     * An ensemble's importance: the weighted sum of its members' mean |SHAP| (each in its own
     * log-odds; see {@link Explanation}).
     */
    static final String ENSEMBLE_EXPLAINER = "weighted-members";

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
        ArtifactPublisher.refuseIfPublished(out, t.outputUri());
        TrainPlan plan = TrainPlan.of(t);

        TrainingData loaded = TrainingData.load(t);
        Progress.report(
                "read %d labelled rows, %d features", loaded.x().rows(), loaded.x().numFeatures());
        log(
                "data: %d labelled rows, %d features, %d non-zeros (%.1f s)",
                loaded.x().rows(),
                loaded.x().numFeatures(),
                loaded.x().nonZeros(),
                (System.nanoTime() - start) / 1e9);
        PreparedData data = PreparedData.of(loaded, t.preprocessing());
        Validator validator = Validator.of(plan.validation(), data.y());
        SearchRunner.Result search =
                new SearchRunner(plan, t, data, validator, budgetClock, budgetStart, beforeTrial)
                        .run();
        Evaluated bestEval = search.bestEval();
        EnsembleModel ensemble = null;
        if (search.members() != null) {
            log("auto chose %s", search.selection().get("reason"));
            ensemble = EnsembleModel.evaluate(search.members(), validator, data, plan);
            bestEval = ensemble.blended();
        } else if (plan.auto()) {
            log("auto chose %s", search.selection().get("reason"));
            bestEval =
                    validator.evaluate(
                            search.algorithm(),
                            search.bestParams(),
                            data.x(),
                            data.scaling(),
                            data.y(),
                            plan.seed(),
                            plan.stop());
        }
        return finish(
                t,
                plan,
                out,
                data,
                validator,
                search,
                bestEval,
                ensemble,
                loaded.labelRows(),
                start);
    }

    /**
     * The model to publish.
     *
     * @param spec its model.json
     * @param model its scorer
     * @param files what writes its model files
     * @param learner the learner a top-K retrain uses (an ensemble's heaviest member)
     * @param params that learner's point
     */
    record Built(
            ModelSpec spec,
            ModelArtifact model,
            ArtifactPublisher.ModelFiles files,
            Algorithm learner,
            Fit.Params params) {}

    /** The validator's fit of {@code e} (hold-out), else one on every row. */
    static Fit.Fitted fitted(
            Evaluated e,
            Algorithm algorithm,
            Fit.Params params,
            PreparedData data,
            TrainPlan plan) {
        return e.fitted() != null
                ? e.fitted()
                : Fit.fit(
                        algorithm,
                        params,
                        data.x(),
                        data.scaling(),
                        data.y(),
                        identity(data.x().rows()),
                        plan.seed(),
                        plan.stop());
    }

    /** The scorer of a fitted single model. */
    static ModelArtifact scorer(ModelSpec spec, Fit.Fitted fitted) {
        return fitted.trees() != null
                ? ModelArtifact.of(spec, fitted.trees())
                : ModelArtifact.of(spec, fitted.params());
    }

    /** The chosen model fitted, explained, published and summarised. */
    private static Summary finish(
            TrainTask t,
            TrainPlan plan,
            Path out,
            PreparedData data,
            Validator validator,
            SearchRunner.Result search,
            Evaluated bestEval,
            EnsembleModel ensemble,
            int labelRows,
            long start)
            throws IOException {
        double threshold = TrainPlan.threshold(t, bestEval);
        Metrics metrics = Metrics.of(bestEval.scores(), bestEval.labels(), threshold);
        Built built;
        if (ensemble != null) {
            built = ensemble.build(t, data, plan, threshold);
        } else {
            Fit.Fitted fitted =
                    fitted(bestEval, search.algorithm(), search.bestParams(), data, plan);
            ModelSpec spec = spec(t, data, search, threshold, fitted);
            built =
                    new Built(
                            spec,
                            scorer(spec, fitted),
                            ArtifactPublisher.files(spec, fitted),
                            search.algorithm(),
                            search.bestParams());
        }
        ModelSpec spec = built.spec();
        Explanation explanation =
                Explanation.of(
                        t, plan, data, validator, built.model(), built.learner(), built.params());
        TrainReport report =
                new TrainReport(
                        t,
                        plan,
                        data,
                        search,
                        bestEval,
                        metrics,
                        threshold,
                        explanation,
                        labelRows,
                        validator.method(),
                        (System.nanoTime() - start) / 1e9);
        FeatureStatistics statistics =
                FeatureStatistics.of(
                        data.x(), data.features().stream().map(ModelSpec.Feature::name).toList());
        String digest =
                ArtifactPublisher.publish(
                        out,
                        t.outputUri(),
                        spec,
                        built.files(),
                        report.metricsJson(),
                        explanation.importance(),
                        search.trials(),
                        statistics);
        String published =
                Storage.isS3(t.outputUri())
                        ? t.outputUri().replaceAll("/+$", "") + "/"
                        : Uris.fileUri(out, true);
        return Summary.succeeded(published, report.figures(), report.details(digest));
    }

    static ModelSpec spec(
            TrainTask t,
            PreparedData data,
            SearchRunner.Result search,
            double threshold,
            Fit.Fitted fitted) {
        return spec(t, data, search.algorithm(), search.bestParams(), threshold, fitted);
    }

    /** The model.json of {@code algorithm} at {@code params} ({@code fitted} null: no file). */
    static ModelSpec spec(
            TrainTask t,
            PreparedData data,
            Algorithm algorithm,
            Fit.Params params,
            double threshold,
            Fit.Fitted fitted) {
        List<ModelSpec.Feature> features = data.features();
        return new ModelSpec(
                t.model(),
                t.version(),
                algorithm.id(),
                t.entity(),
                features,
                data.scaling().toSpec(),
                threshold,
                params.architecture(features.size()),
                Instant.now().toString(),
                data.lineage(),
                t.labels().uri(),
                fitted == null
                        ? null
                        : fitted.trees() != null ? ModelSpec.TREES : ModelSpec.PARAMETERS,
                data.dropped().isEmpty() ? null : data.dropped());
    }

    /** How importance is computed for a model of {@code algorithm}. */
    static String explainerOf(Algorithm algorithm) {
        return switch (algorithm) {
            case XGBOOST -> "treeshap";
            case LOGISTIC -> "exact-linear";
            case RESNET, MLP -> "expected-gradients";
            case ENSEMBLE -> ENSEMBLE_EXPLAINER;
        };
    }

    static void log(String format, Object... args) {
        System.err.println("[trainer] " + String.format(Locale.ROOT, format, args));
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
