package io.mlcycle.task;

/**
 * The environment variables the operator (or local mode) sets on a runtime pod and the pod reads:
 * the one list of their names. Settings of the operator itself ({@code MLCYCLE_IMAGES_*}, leader
 * election…) are not part of the pod contract and live with the operator.
 */
public final class PodEnv {

    /** The task JSON ({@link TaskJson#writeTask}). */
    public static final String TASK = "MLCYCLE_TASK";

    /** S3-compatible endpoint URL; unset: AWS. */
    public static final String S3_ENDPOINT = "MLCYCLE_S3_ENDPOINT";

    /** S3 region. */
    public static final String S3_REGION = "MLCYCLE_S3_REGION";

    /** true for path-style bucket addressing. */
    public static final String S3_PATH_STYLE = "MLCYCLE_S3_PATH_STYLE";

    /** Name of the Secret the S3 keys came from (for messages). */
    public static final String S3_CREDENTIALS_SECRET = "MLCYCLE_S3_CREDENTIALS_SECRET";

    /** Local directory where remote inputs are staged. */
    public static final String STAGE_DIR = "MLCYCLE_STAGE_DIR";

    /** Most bytes a pod may stage locally (its ephemeral storage). */
    public static final String STAGE_MAX_BYTES = "MLCYCLE_STAGE_MAX_BYTES";

    /** Root that {@code file://} URIs resolve under (local mode's data directory). */
    public static final String FILE_ROOT = "MLCYCLE_FILE_ROOT";

    /** Address the model server binds (default all interfaces; local mode: 127.0.0.1). */
    public static final String BIND_ADDRESS = "MLCYCLE_BIND_ADDRESS";

    /** The model server's gRPC port (0: any free port). */
    public static final String GRPC_PORT = "MLCYCLE_GRPC_PORT";

    /** The model server's request threads. */
    public static final String SERVER_THREADS = "MLCYCLE_SERVER_THREADS";

    /** Seconds the model server drains in-flight requests on SIGTERM. */
    public static final String DRAIN_SECONDS = "MLCYCLE_DRAIN_SECONDS";

    /** URL of the challenger the server mirrors a share of its requests to. */
    public static final String SHADOW_URL = "MLCYCLE_SHADOW_URL";

    /** Percent of requests mirrored to {@link #SHADOW_URL}. */
    public static final String SHADOW_PERCENT = "MLCYCLE_SHADOW_PERCENT";

    /** Version number of the challenger behind {@link #SHADOW_URL}. */
    public static final String SHADOW_VERSION = "MLCYCLE_SHADOW_VERSION";

    /** Bearer token the feedback endpoint requires. */
    public static final String FEEDBACK_TOKEN = "MLCYCLE_FEEDBACK_TOKEN";

    /** Feedback authentication mode. */
    public static final String FEEDBACK_AUTH = "MLCYCLE_FEEDBACK_AUTH";

    /** JDBC source user (from a Secret). */
    public static final String JDBC_USER = "MLCYCLE_JDBC_USER";

    /** JDBC source password (from a Secret). */
    public static final String JDBC_PASSWORD = "MLCYCLE_JDBC_PASSWORD";

    /** User of a feature table's Iceberg catalog (from a Secret). */
    public static final String CATALOG_USER = "MLCYCLE_CATALOG_USER";

    /** Password of a feature table's Iceberg catalog (from a Secret). */
    public static final String CATALOG_PASSWORD = "MLCYCLE_CATALOG_PASSWORD";

    /** Bearer token of a feature table's REST catalog (from a Secret). */
    public static final String CATALOG_TOKEN = "MLCYCLE_CATALOG_TOKEN";

    /** User of the batch scores table's Iceberg catalog (from a Secret). */
    public static final String SCORES_CATALOG_USER = "MLCYCLE_SCORES_CATALOG_USER";

    /** Password of the batch scores table's Iceberg catalog (from a Secret). */
    public static final String SCORES_CATALOG_PASSWORD = "MLCYCLE_SCORES_CATALOG_PASSWORD";

    /** Bearer token of the batch scores table's REST catalog (from a Secret). */
    public static final String SCORES_CATALOG_TOKEN = "MLCYCLE_SCORES_CATALOG_TOKEN";

    /** Redis password of the online store (from a Secret). */
    public static final String REDIS_PASSWORD = "MLCYCLE_REDIS_PASSWORD";

    /** DuckDB memory limit of the pivot. */
    public static final String PIVOT_MEMORY_LIMIT = "MLCYCLE_PIVOT_MEMORY_LIMIT";

    /** DuckDB threads of the pivot. */
    public static final String PIVOT_THREADS = "MLCYCLE_PIVOT_THREADS";

    /** PyTorch intra-op threads of the trainer and server. */
    public static final String TORCH_THREADS = "MLCYCLE_TORCH_THREADS";

    private PodEnv() {}
}
