package io.mlcycle.operator.modeldeployment;

/**
 * The ModelDeployment's own condition types and the reasons its controller writes, in one place
 * (Ready, Progressing and Degraded are {@link io.mlcycle.operator.api.Conditions}'). Older names
 * elsewhere ({@code ModelDeploymentReconciler.ROLLED_BACK}, …) point here.
 */
public final class ModelDeploymentConditions {

    private ModelDeploymentConditions() {}

    // types
    public static final String AVAILABLE = "Available";
    public static final String ROLLED_BACK = "RolledBack";
    public static final String ANALYSIS_INCONCLUSIVE = "AnalysisInconclusive";
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String BATCH_OUTPUT_CONFLICT = "BatchOutputConflict";
    public static final String ONLINE_FEATURES_STALE = "OnlineFeaturesStale";
    public static final String OUTBOUND_REFUSED = "OutboundRefused";
    public static final String VERSION_RESOLVED = "VersionResolved";
    public static final String FEEDBACK_TOKEN_MISSING = "FeedbackTokenMissing";
    public static final String AUTOSCALER_UNAVAILABLE = "AutoscalerUnavailable";
    public static final String REQUEST_LOG_HEALTHY = "RequestLogHealthy";
    public static final String FEATURE_COMPATIBLE = "FeatureCompatible";

    // reasons: the spec
    public static final String REASON_INVALID_SPEC = "InvalidSpec";

    // reasons: readiness of the pods
    public static final String MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
    public static final String MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";
    public static final String SERVING = "Serving";
    public static final String ROLLING_OUT = "RollingOut";
    public static final String ROLLOUT_COMPLETE = "RolloutComplete";
    public static final String ROLLOUT_FAILED = "RolloutFailed";
    public static final String AS_EXPECTED = "AsExpected";

    // reasons: analysis and rollback
    public static final String NO_USABLE_DATA = "NoUsableData";
    public static final String CANARY_NO_USABLE_DATA = "CanaryNoUsableData";
    public static final String TOO_FEW_SAMPLES = "TooFewSamples";
    public static final String METRICS_AVAILABLE = "MetricsAvailable";
    public static final String HOST_REFUSED = "HostRefused";
    public static final String NO_ROLLBACK_TARGET = "NoRollbackTarget";
    public static final String METRIC_OUT_OF_BOUNDS = "MetricOutOfBounds";
    public static final String REASON_ROLLED_BACK = "RolledBack";
    public static final String REASON_ANALYSIS_INCONCLUSIVE = "AnalysisInconclusive";
    public static final String NEW_VERSION = "NewVersion";

    // reasons: online features and autoscaling
    public static final String NO_LINEAGE = "NoLineage";
    public static final String ONLINE_BEHIND_LATEST = "OnlineBehindLatest";
    public static final String ONLINE_UP_TO_DATE = "OnlineUpToDate";
    public static final String SCALED_OBJECT_UNAVAILABLE = "ScaledObjectUnavailable";

    // reasons: the request log (RequestLogRecovered is the Event as it turns True again)
    public static final String REQUEST_LOG_FAILING = "RequestLogFailing";
    public static final String REQUEST_LOG_DROPPING = "RequestLogDropping";
    public static final String REQUEST_LOG_WRITING = "RequestLogWriting";
    public static final String REQUEST_LOG_RECOVERED = "RequestLogRecovered";

    // reasons: feature compatibility (VersionRefused is also the Event of a refusal)
    public static final String FEATURES_PRESENT = "FeaturesPresent";
    public static final String FEATURES_MISSING = "FeaturesMissing";
    public static final String FEATURE_COVERAGE_UNKNOWN = "FeatureCoverageUnknown";
    public static final String VERSION_REFUSED = "VersionRefused";
}
