package io.mlcycle.task;

import java.util.List;

/**
 * Daily batch scoring: score every entity of the given feature tables with one model version and
 * publish {@code outputUri} (entity, score, rank) with {@code _SUCCESS}.
 *
 * @param outputUri the {@code asOf=<date>/} directory to publish
 * @param artifactDigest the digest the registry recorded for the artifact (null: not checked)
 */
public record ScoreTask(
        Owner owner,
        String model,
        int version,
        String artifactUri,
        String asOf,
        String entity,
        List<FeatureInput> features,
        String outputUri,
        String artifactDigest)
        implements Task {}
