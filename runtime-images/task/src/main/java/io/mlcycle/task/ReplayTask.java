package io.mlcycle.task;

/**
 * An offline replay: score the labelled rows of a deployment's request log (scored rows joined with
 * their feedback by prediction id) with the served version (champion) and a new version
 * (challenger), count the paired outcomes and publish the per-row results under {@code outputUri}
 * as a dated version with {@code _SUCCESS}; the counts go into the summary ({@link ReplaySummary}).
 *
 * @param requestLogUri the deployment's {@code spec.requestLog.uri} ({@code file://} or {@code
 *     s3://}); every {@code v<N>/date=<day>/} file under it is read
 * @param outputUri the directory of this pair's replays; each run is an {@code asOf=<day>/} in it
 * @param asOf the day of this run
 */
public record ReplayTask(
        Owner owner,
        String model,
        Side champion,
        Side challenger,
        String requestLogUri,
        String outputUri,
        String asOf)
        implements Task {

    /**
     * One model version of the pair.
     *
     * @param artifactDigest the digest the registry recorded (null: not checked)
     */
    public record Side(int version, String artifactUri, String artifactDigest) {}
}
