package io.mlcycle.operator.trainingrun;

/**
 * The TrainingRun's own condition types, the reasons its controller writes and its Event reasons,
 * in one place (Ready, Progressing and Degraded are {@link io.mlcycle.operator.api.Conditions}';
 * storage reasons are {@link io.mlcycle.operator.common.ObjectStorage}'). The older names on {@link
 * TrainingRunReconciler} point here. A spec is checked in one place, {@link TrainTasks#invalid},
 * whose message becomes {@link #INVALID_SPEC}.
 */
public final class TrainingRunConditions {

    private TrainingRunConditions() {}

    // types
    public static final String WAITING_FOR_FEATURES = "WaitingForFeatures";
    public static final String INVALID_SPEC = "InvalidSpec";

    // reasons: blocked before any run
    /** Engine spark while the operator cannot run SparkApplications. */
    public static final String SPARK_UNAVAILABLE = "SparkUnavailable";

    // reasons: Ready, Progressing, WaitingForFeatures
    public static final String VERSION_REGISTERED = "VersionRegistered";
    public static final String NO_VERSION = "NoVersion";
    public static final String TRAINING = "Training";
    public static final String IDLE = "Idle";
    public static final String FEATURES_AVAILABLE = "FeaturesAvailable";
    public static final String FEATURES_MISSING = "FeaturesMissing";

    // reasons: a run that failed without a pod's own reason
    public static final String JOB_DELETED = "JobDeleted";

    // Event reasons
    public static final String TRAINING_STARTED = "TrainingStarted";
    public static final String TRAINING_FAILED = "TrainingFailed";
    public static final String MODEL_VERSION_REGISTERED = "ModelVersionRegistered";
}
