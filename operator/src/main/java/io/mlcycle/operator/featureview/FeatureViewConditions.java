package io.mlcycle.operator.featureview;

/**
 * The FeatureView's own condition types, the reasons its controller writes and its Event reasons,
 * in one place (Ready, Progressing and Degraded are {@link io.mlcycle.operator.api.Conditions}';
 * storage reasons are {@link io.mlcycle.operator.common.ObjectStorage}'). The older names on {@link
 * FeatureViewReconciler} point here. A spec is checked in one place, {@link PivotTasks#invalid},
 * whose message becomes {@link #INVALID_SPEC}.
 */
public final class FeatureViewConditions {

    private FeatureViewConditions() {}

    // types
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String STORE_CONFLICT = "StoreConflict";
    public static final String WAITING_FOR_DATA = "WaitingForData";
    public static final String VALIDATION_FAILED = "ValidationFailed";
    public static final String ONLINE_SYNCED = "OnlineSynced";

    /** spec.pivot.select: True when the online copy holds only the named models' columns. */
    public static final String SELECTION_NARROWED = "SelectionNarrowed";

    // reasons: blocked before any run
    /** Engine spark while the operator cannot run SparkApplications. */
    public static final String SPARK_UNAVAILABLE = "SparkUnavailable";

    // reasons: Ready, Progressing, WaitingForData, ValidationFailed
    public static final String MATERIALIZED = "Materialized";
    public static final String MATERIALIZING = "Materializing";
    public static final String IDLE = "Idle";
    public static final String PARTITIONS_MISSING = "PartitionsMissing";
    public static final String DATA_AVAILABLE = "DataAvailable";
    public static final String PASSED = "Passed";

    // reasons: OnlineSynced
    /**
     * The pivot published the offline table but could not write the online store: the table is good
     * (it becomes {@code latest}), the online copy is behind.
     */
    public static final String ONLINE_WRITE_FAILED = "OnlineWriteFailed";

    public static final String NOT_MATERIALIZED = "NotMaterialized";
    public static final String BEHIND = "Behind";
    public static final String SYNCED = "Synced";

    // reasons: SelectionNarrowed (also its Event reasons)
    public static final String NARROWED = "Narrowed";
    public static final String MODEL_NOT_FOUND = "ModelNotFound";
    public static final String NO_APPROVED_VERSION = "NoApprovedVersion";
    public static final String NO_FEATURES_FROM_VIEW = "NoFeaturesFromView";

    // reasons: a run that failed without a pod's own reason
    public static final String JOB_DELETED = "JobDeleted";
    public static final String SPARK_APPLICATION_DELETED = "SparkApplicationDeleted";
    public static final String NO_SUMMARY = "NoSummary";
    public static final String SUBMISSION_FAILED = "SubmissionFailed";
    public static final String SPARK_FAILED = "SparkFailed";

    // Event reasons (and MATERIALIZED)
    public static final String MATERIALIZATION_STARTED = "MaterializationStarted";
    public static final String MATERIALIZATION_FAILED = "MaterializationFailed";
}
