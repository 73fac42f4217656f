package io.mlcycle.task;

import java.util.List;

/**
 * A long-running serving process for one model version (Open Inference Protocol v2).
 *
 * @param deployment the ModelDeployment name, used as a metric label
 * @param artifactUri the trainer's output directory for this version
 * @param maxBodyBytes requests larger than this are refused with 413
 * @param maxRowsPerRequest requests with more rows are refused with 400
 * @param feedbackWindow how many recent predictions are kept for feedback
 * @param online inference by entity id from the online store (null: off)
 * @param artifactDigest the digest the registry recorded for the artifact; the server refuses to
 *     serve a directory that does not match it (null: not checked, a version registered before
 *     digests)
 * @param requestLog the sampled log of scored requests (null: off)
 */
public record ServeTask(
        Owner owner,
        String deployment,
        String model,
        int version,
        String artifactUri,
        int port,
        int maxBodyBytes,
        int maxRowsPerRequest,
        int feedbackWindow,
        Online online,
        String artifactDigest,
        RequestLog requestLog)
        implements Task {

    /**
     * Environment variable holding the bearer token that {@code POST …/feedback} requires. The
     * operator sets it from a Secret ({@code secretKeyRef}), never in the task JSON.
     */
    public static final String FEEDBACK_TOKEN_ENV = PodEnv.FEEDBACK_TOKEN;

    /**
     * Environment variable that, set to {@value #FEEDBACK_AUTH_OFF}, turns feedback authentication
     * off; without it a server with no {@value #FEEDBACK_TOKEN_ENV} refuses to start.
     */
    public static final String FEEDBACK_AUTH_ENV = PodEnv.FEEDBACK_AUTH;

    /** The value of {@value #FEEDBACK_AUTH_ENV} that turns feedback authentication off. */
    public static final String FEEDBACK_AUTH_OFF = "off";

    /**
     * Where the server reads feature rows by entity id.
     *
     * @param url {@code redis://host:port/db}, without credentials
     * @param passwordEnv environment variable holding the Redis password (null: none)
     * @param featureViews the FeatureViews the model was trained on (its lineage)
     */
    public record Online(String url, String passwordEnv, List<String> featureViews) {}

    /**
     * A bounded, sampled log of the rows a server scores (features as the model saw them, the
     * prediction id, the score), written as gzipped JSON lines under {@code uri} by {@link
     * Layout#requestLogFile}, for offline replay joined with feedback by prediction id.
     *
     * @param uri {@code file://} or {@code s3://} directory of this deployment's log
     * @param sampleRate share of scored rows logged, in (0, 1]
     * @param maxFileBytes a file is closed and published once this many bytes (uncompressed) went
     *     into it
     * @param maxAgeSeconds … or once it has been open this long
     * @param maxQueuedRows rows waiting for the writer; beyond it rows are dropped (and counted),
     *     never waited for
     */
    public record RequestLog(
            String uri,
            double sampleRate,
            long maxFileBytes,
            int maxAgeSeconds,
            int maxQueuedRows) {}
}
