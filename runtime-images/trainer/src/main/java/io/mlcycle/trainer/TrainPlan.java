package io.mlcycle.trainer;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.task.TrainTask;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A task resolved into what the trainer will do, checked before any data is read: the learners and
 * their grids, the search, the selection metric, early stopping and the validation.
 *
 * @param auto whether the learners are compared (algorithm auto or ensemble)
 * @param ensemble whether the ensemble of the learners was asked for (algorithm ensemble)
 * @param stop early stopping; null: every epoch trains
 */
record TrainPlan(
        boolean auto,
        boolean ensemble,
        List<Algorithm> learners,
        Map<Algorithm, List<Fit.Params>> grids,
        Search search,
        String metricName,
        Fit.EarlyStopping stop,
        TrainTask.Validation validation) {

    static final int MAX_TRIALS = 200;

    long seed() {
        return validation.seed();
    }

    static TrainPlan of(TrainTask t) {
        requireComplete(t);
        boolean ensemble = t.algorithm().trim().equalsIgnoreCase(Algorithm.ENSEMBLE.id());
        boolean auto = ensemble || t.algorithm().trim().equalsIgnoreCase(Trainer.AUTO_ID);
        List<Algorithm> learners = auto ? Trainer.AUTO : List.of(Algorithm.parse(t.algorithm()));
        Map<Algorithm, List<Fit.Params>> grids = new LinkedHashMap<>();
        for (Algorithm a : learners) {
            grids.put(a, grid(t.hyperparameters(), a));
        }
        Search search = Search.of(t.search());
        String metricName = t.selectionMetric();
        try {
            Metrics.higherIsBetter(metricName);
            new Metrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).get(metricName);
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("UnknownMetric", e.getMessage());
        }
        Fit.EarlyStopping stop = earlyStopping(t.earlyStopping(), metricName);
        return new TrainPlan(
                auto, ensemble, learners, grids, search, metricName, stop, t.validation());
    }

    /**
     * Refuses a task with a field missing: the operator fills every one from the TrainingRun CRD's
     * defaults ({@code TrainDefaults}), so a gap is a task from another producer, never a default
     * to guess here. Optional by meaning: select, threshold, earlyStopping, dropCorrelatedAbove,
     * search.budget.
     */
    static void requireComplete(TrainTask t) {
        require(t.algorithm(), "algorithm");
        require(t.selectionMetric(), "selectionMetric");
        TrainTask.Hyperparameters h = require(t.hyperparameters(), "hyperparameters");
        requireList(h.learningRate(), "hyperparameters.learningRate");
        requireList(h.optimizer(), "hyperparameters.optimizer");
        requireList(h.epochs(), "hyperparameters.epochs");
        requireList(h.batchSize(), "hyperparameters.batchSize");
        requireList(h.hiddenSize(), "hyperparameters.hiddenSize");
        requireList(h.blocks(), "hyperparameters.blocks");
        requireList(h.dropout(), "hyperparameters.dropout");
        requireList(h.weightDecay(), "hyperparameters.weightDecay");
        requireList(h.learningRateSchedule(), "hyperparameters.learningRateSchedule");
        require(require(t.preprocessing(), "preprocessing").scaling(), "preprocessing.scaling");
        TrainTask.Validation v = require(t.validation(), "validation");
        require(v.method(), "validation.method");
        require(v.testFraction(), "validation.testFraction");
        require(v.folds(), "validation.folds");
        require(v.seed(), "validation.seed");
        TrainTask.Explain e = require(t.explain(), "explain");
        require(e.method(), "explain.method");
        require(e.samples(), "explain.samples");
        require(e.background(), "explain.background");
        require(e.topK(), "explain.topK");
        TrainTask.Search s = require(t.search(), "search");
        require(s.method(), "search.method");
        require(s.trials(), "search.trials");
        if (t.earlyStopping() != null) {
            require(t.earlyStopping().validationFraction(), "earlyStopping.validationFraction");
            require(t.earlyStopping().patience(), "earlyStopping.patience");
        }
    }

    private static <T> T require(T value, String field) {
        if (value == null || value instanceof String text && text.isBlank()) {
            throw TaskFailure.invalid(
                    "MissingField",
                    "task field "
                            + field
                            + " is missing: the operator fills every field from the TrainingRun's"
                            + " defaults, and the trainer guesses none");
        }
        return value;
    }

    private static void requireList(java.util.List<?> value, String field) {
        require(value == null || value.isEmpty() ? null : value, field);
    }

    /** The decision threshold: the task's, else the one with the best F1 on {@code e}. */
    static double threshold(TrainTask t, Trainer.Evaluated e) {
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

    /** The task's early stopping with defaults filled in; null when the task asks for none. */
    static Fit.EarlyStopping earlyStopping(TrainTask.EarlyStopping es, String metric) {
        if (es == null) {
            return null;
        }
        double fraction = es.validationFraction();
        int patience = es.patience();
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

    /** The cartesian product of the list-valued hyper-parameters, in a fixed order. */
    static List<Fit.Params> grid(TrainTask.Hyperparameters hp, Algorithm algorithm) {
        List<Double> lrs = hp.learningRate();
        List<String> opts = hp.optimizer();
        List<Integer> epochs = hp.epochs();
        List<Integer> batch = hp.batchSize();
        List<Integer> hidden = hp.hiddenSize();
        List<Integer> blocks = hp.blocks();
        List<Double> dropout = hp.dropout();
        List<Double> decay = hp.weightDecay();
        List<String> schedules = hp.learningRateSchedule();
        check(lrs, v -> v > 0, "learningRate", "must be > 0");
        check(epochs, v -> v >= 1, "epochs", "must be >= 1");
        check(batch, v -> v >= 1, "batchSize", "must be >= 1");
        check(hidden, v -> v >= 1, "hiddenSize", "must be >= 1");
        check(blocks, v -> v >= 0, "blocks", "must be >= 0");
        check(dropout, v -> v >= 0 && v < 1, "dropout", "must be in [0, 1)");
        check(decay, v -> v >= 0, "weightDecay", "must be >= 0");
        checkNames(opts, List.of("adam", "sgd"), "optimizer", "adam or sgd");
        checkNames(schedules, Fit.SCHEDULES, "learningRateSchedule", "one of " + Fit.SCHEDULES);
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
            case ENSEMBLE -> throw new IllegalStateException("an ensemble has no grid of its own");
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

    private static <T> void check(List<T> values, Predicate<T> ok, String field, String rule) {
        for (T v : values) {
            if (v == null || !ok.test(v)) {
                throw TaskFailure.invalid(
                        "InvalidHyperparameter", "hyperparameters." + field + " " + v + " " + rule);
            }
        }
    }

    private static void checkNames(
            List<String> values, List<String> known, String field, String allowed) {
        for (String v : values) {
            if (!known.contains(v == null ? "" : v.toLowerCase(Locale.ROOT))) {
                throw TaskFailure.invalid(
                        "InvalidHyperparameter",
                        "hyperparameters." + field + " '" + v + "' is not " + allowed);
            }
        }
    }
}
