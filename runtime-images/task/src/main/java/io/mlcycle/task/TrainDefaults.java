package io.mlcycle.task;

import java.util.List;

/**
 * The training defaults, declared once: the TrainingRun CRD's {@code @Default}s are built from
 * these constants, the operator fills every field of a {@link TrainTask} from the defaulted spec,
 * and {@link TrainTask#builder} starts from them. The trainer itself defaults nothing: it refuses a
 * task with a field missing.
 */
public final class TrainDefaults {

    public static final String ALGORITHM = "auto";
    public static final String SELECTION_METRIC = "auc";

    public static final double LEARNING_RATE = 0.001;
    public static final String OPTIMIZER = "adam";
    public static final int EPOCHS = 10;
    public static final int BATCH_SIZE = 256;
    public static final int HIDDEN_SIZE = 128;
    public static final int BLOCKS = 2;
    public static final double DROPOUT = 0.1;
    public static final double WEIGHT_DECAY = 0.0;
    public static final String LEARNING_RATE_SCHEDULE = "constant";

    /** sign(v)·log1p(|v|), then min-max: what benchmarks/quality measured best on counts. */
    public static final String SCALING = "log";

    public static final String VALIDATION_METHOD = "holdout";
    public static final double TEST_FRACTION = 0.2;
    public static final int FOLDS = 5;
    public static final long SEED = 42L;

    public static final boolean EARLY_STOPPING = true;
    public static final double EARLY_STOPPING_FRACTION = 0.1;
    public static final int PATIENCE = 2;

    public static final String SEARCH_METHOD = "grid";
    public static final int SEARCH_TRIALS = 10;

    public static final String EXPLAIN_METHOD = "shap";
    public static final int EXPLAIN_SAMPLES = 500;
    public static final int EXPLAIN_BACKGROUND = 100;
    public static final int EXPLAIN_TOP_K = 50;

    private TrainDefaults() {}

    public static TrainTask.Hyperparameters hyperparameters() {
        return new TrainTask.Hyperparameters(
                List.of(LEARNING_RATE),
                List.of(OPTIMIZER),
                List.of(EPOCHS),
                List.of(BATCH_SIZE),
                List.of(HIDDEN_SIZE),
                List.of(BLOCKS),
                List.of(DROPOUT),
                List.of(WEIGHT_DECAY),
                List.of(LEARNING_RATE_SCHEDULE));
    }

    public static TrainTask.Preprocessing preprocessing() {
        return new TrainTask.Preprocessing(SCALING, null);
    }

    public static TrainTask.Validation validation() {
        return new TrainTask.Validation(VALIDATION_METHOD, TEST_FRACTION, FOLDS, SEED);
    }

    public static TrainTask.EarlyStopping earlyStopping() {
        return new TrainTask.EarlyStopping(EARLY_STOPPING_FRACTION, PATIENCE);
    }

    public static TrainTask.Search search() {
        return new TrainTask.Search(SEARCH_METHOD, SEARCH_TRIALS, null);
    }

    public static TrainTask.Explain explain() {
        return new TrainTask.Explain(
                EXPLAIN_METHOD, EXPLAIN_SAMPLES, EXPLAIN_BACKGROUND, EXPLAIN_TOP_K);
    }
}
