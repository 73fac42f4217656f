package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.model.Algorithm;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.model.Trees;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The xgboost training of an engine whose workers hold the rows (trainer-spark): the trainer's
 * plan, split, search rule, SHAP sample, report and published artifact, with each labelled row
 * known by its position in the single pod's row order, so the driver never holds the feature table:
 * only a label and a role per row, the hold-out's scores and the explained sample.
 */
public final class DistributedXgboost {

    /** A row the search fits on. */
    public static final byte TRAIN = 0;

    /** A row the search's early stopping measures (carved from the training rows). */
    public static final byte VALID = 1;

    /** A hold-out row: evaluated, explained, never trained on. */
    public static final byte TEST = 2;

    public static final int MAX_ROUNDS = Boosted.MAX_ROUNDS;
    public static final int PATIENCE = Boosted.PATIENCE;

    private DistributedXgboost() {}

    /** The depths the search tries, shallowest first. */
    public static int[] depths() {
        return Boosted.DEPTHS.clone();
    }

    /** A task checked and resolved before any data is read. */
    public static final class Plan {
        private final TrainTask task;
        private final TrainPlan plan;
        private final Fit.Params params;
        private final Path out;

        private Plan(TrainTask task, TrainPlan plan, Fit.Params params, Path out) {
            this.task = task;
            this.plan = plan;
            this.params = params;
            this.out = out;
        }

        public TrainTask task() {
            return task;
        }

        public long seed() {
            return plan.seed();
        }
    }

    /**
     * Checks {@code t} as the trainer does, and refuses what needs the whole table in one place
     * (k-fold, dropping correlated features, top-K retraining), naming the field.
     */
    public static Plan plan(TrainTask t) throws IOException {
        if (t.model() == null || t.model().isBlank()) {
            throw TaskFailure.invalid("MissingModel", "model is empty");
        }
        TrainPlan plan = TrainPlan.of(t);
        if (plan.auto() || !plan.learners().equals(List.of(Algorithm.XGBOOST))) {
            throw TaskFailure.invalid(
                    "UnsupportedAlgorithm",
                    "the Spark trainer trains algorithm xgboost only, not '"
                            + t.algorithm()
                            + "' (engine spark)");
        }
        if (!"holdout".equalsIgnoreCase(t.validation().method())) {
            throw unsupported("validation.method", t.validation().method(), "holdout");
        }
        for (FeatureInput in : t.features()) {
            if (in.catalog() != null) {
                throw TaskFailure.invalid(
                        "UnsupportedStore",
                        "FeatureView "
                                + in.featureView()
                                + " is stored as an Iceberg table (spec.store.format iceberg),"
                                + " which the Spark trainer does not read yet; use spec.engine:"
                                + " pod");
            }
        }
        if (t.preprocessing().dropCorrelatedAbove() != null) {
            throw unsupported(
                    "preprocessing.dropCorrelatedAbove",
                    t.preprocessing().dropCorrelatedAbove(),
                    "unset");
        }
        if (t.select() != null && t.select().topK() > 0) {
            throw unsupported("select.topK", t.select().topK(), "unset");
        }
        Explanation.wantsShap(t);
        List<Fit.Params> points =
                plan.search().points(plan.grids().get(Algorithm.XGBOOST), plan.seed());
        Path out =
                Storage.isS3(t.outputUri())
                        ? Storage.localMirror(t.outputUri())
                        : Uris.toPath(t.outputUri(), "outputUri");
        ArtifactPublisher.refuseIfPublished(out, t.outputUri());
        return new Plan(t, plan, points.get(0), out);
    }

    private static TaskFailure unsupported(String field, Object value, String supported) {
        return TaskFailure.invalid(
                "UnsupportedOnSpark",
                field
                        + " '"
                        + value
                        + "' needs the whole table in one process; engine spark takes "
                        + supported
                        + " (or use engine pod)");
    }

    /**
     * Each row's role by its position ({@link #TRAIN}, {@link #VALID}, {@link #TEST}): the
     * trainer's stratified hold-out of {@code y}, then the search's fifth of the training rows.
     */
    public static byte[] roles(Plan p, int[] y) {
        Splits.Split holdout;
        try {
            holdout = Splits.holdout(y, p.task.validation().testFraction(), p.seed());
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("InvalidValidation", e.getMessage());
        }
        int[] train = holdout.train();
        Splits.Split inner =
                Splits.holdout(Validator.labelsOf(y, train), Boosted.VALIDATION_FRACTION, p.seed());
        byte[] roles = new byte[y.length];
        for (int i : inner.test()) {
            roles[train[i]] = VALID;
        }
        for (int r : holdout.test()) {
            roles[r] = TEST;
        }
        return roles;
    }

    /** The hold-out rows SHAP explains, as the trainer samples them (ascending positions). */
    public static int[] explained(Plan p, byte[] roles) {
        if (!Explanation.wantsShap(p.task)) {
            return new int[0];
        }
        int n = 0;
        int[] test = new int[roles.length];
        for (int r = 0; r < roles.length; r++) {
            if (roles[r] == TEST) {
                test[n++] = r;
            }
        }
        return Explanation.sample(
                java.util.Arrays.copyOf(test, n),
                p.task.explain().samples(),
                new Random(p.seed() + 17));
    }

    /** The depth and rounds to refit with, from the validation AUC after each round per depth. */
    public record Choice(int depth, int rounds, List<Double> history) {}

    public static Choice choose(List<double[]> aucByDepth) {
        Boosted.Choice c = Boosted.choose(aucByDepth);
        return new Choice(c.depth(), c.rounds(), c.history());
    }

    /**
     * What the workers trained and measured.
     *
     * @param trees the refitted booster in XGBoost's JSON
     * @param testScores the hold-out's scores by the served scorer, in position order
     * @param testLabels their labels
     * @param rows labelled rows
     * @param positives labelled rows of label 1
     * @param labelRows rows of the label table
     * @param explainedRows the explained rows ({@link #explained}), in position order
     * @param statistics per-feature statistics of the labelled rows
     * @param seconds the search's and refit's time
     */
    public record Outcome(
            byte[] trees,
            Choice choice,
            float[] testScores,
            int[] testLabels,
            int rows,
            long positives,
            int labelRows,
            SparseMatrix explainedRows,
            FeatureStatistics statistics,
            double seconds) {}

    /**
     * The trainer's report, artifact and summary of {@code o}: {@code columns} are the assembled
     * feature tables' catalogs ({@link FeatureAssembler#join} of tables without rows).
     */
    public static Summary publish(
            Plan p, FeatureAssembler.Assembled columns, Outcome o, long startNanos)
            throws IOException {
        TrainTask t = p.task;
        int n = o.explainedRows().rows();
        PreparedData data =
                PreparedData.of(
                        new TrainingData(o.explainedRows(), new int[n], columns, o.labelRows()),
                        t.preprocessing());
        Trees trees = Trees.parse(o.trees(), columns.features().size());
        Fit.Fitted fitted =
                new Fit.Fitted(
                        Map.of(),
                        o.choice().rounds(),
                        o.choice().depth(),
                        o.choice().history(),
                        null,
                        trees);
        Trainer.Evaluated eval =
                new Trainer.Evaluated(
                        o.testScores(), o.testLabels(), fitted, List.of(fitted), o.seconds());
        double threshold = TrainPlan.threshold(t, eval);
        Metrics metrics = Metrics.of(o.testScores(), o.testLabels(), threshold);
        SearchRunner.Result search = search(p, eval, metrics);
        Explanation explanation = explanation(t, data, trees);
        TrainReport report =
                new TrainReport(
                        t,
                        p.plan,
                        data,
                        search,
                        eval,
                        metrics,
                        threshold,
                        explanation,
                        o.labelRows(),
                        "holdout",
                        (System.nanoTime() - startNanos) / 1e9);
        // the report counts rows from its data, here the explained sample: the whole count instead
        Map<String, Object> metricsJson = report.metricsJson();
        metricsJson.put("rows", o.rows());
        metricsJson.put("positives", o.positives());
        Map<String, Double> figures = report.figures();
        figures.put(TrainSummary.ROWS, (double) o.rows());
        ModelSpec spec = Trainer.spec(t, data, search, threshold, fitted);
        String digest =
                ArtifactPublisher.publish(
                        p.out,
                        t.outputUri(),
                        spec,
                        fitted,
                        metricsJson,
                        explanation.importance(),
                        search.trials(),
                        o.statistics());
        String published =
                Storage.isS3(t.outputUri())
                        ? t.outputUri().replaceAll("/+$", "") + "/"
                        : Uris.fileUri(p.out, true);
        return Summary.succeeded(published, figures, report.details(digest));
    }

    /** The search's one trial, recorded as the trainer records it. */
    private static SearchRunner.Result search(Plan p, Trainer.Evaluated eval, Metrics metrics) {
        Map<String, Object> trial = new LinkedHashMap<>();
        trial.put("trial", 0);
        trial.put("algorithm", Algorithm.XGBOOST.id());
        trial.put("hyperparameters", p.params.toMap());
        trial.put("metrics", metrics.toMap());
        trial.put("fits", SearchRunner.fits(eval.fits()));
        trial.put("seconds", eval.seconds());
        List<Map<String, Object>> trials = new ArrayList<>();
        trials.add(trial);
        return new SearchRunner.Result(
                Algorithm.XGBOOST,
                p.params,
                metrics.get(p.plan.metricName()),
                eval,
                0,
                trials,
                List.of(),
                false,
                0,
                null,
                null);
    }

    /** TreeSHAP of the explained rows ({@code data.x()}), ranked as the trainer ranks it. */
    private static Explanation explanation(TrainTask t, PreparedData data, Trees trees) {
        if (!Explanation.wantsShap(t)) {
            return new Explanation(false, List.of(), null, 0);
        }
        long s0 = System.nanoTime();
        SparseMatrix x = data.x();
        double[] imp = Boosted.importance(trees, x, Trainer.identity(x.rows()));
        double seconds = (System.nanoTime() - s0) / 1e9;
        Trainer.log("SHAP: %d rows, %d features (%.1f s)", x.rows(), x.numFeatures(), seconds);
        List<Map<String, Object>> list = new ArrayList<>();
        for (int j : Explanation.rank(imp)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", data.features().get(j).name());
            e.put("importance", imp[j]);
            list.add(e);
        }
        return new Explanation(true, list, null, seconds);
    }
}
