package io.mlcycle.task;

import java.util.List;

/**
 * Daily batch scoring: score every entity of the given feature tables with one model version and
 * publish {@code outputUri} (entity, score, rank) with {@code _SUCCESS}.
 *
 * @param outputUri the {@code asOf=<date>/} directory to publish; with {@code outputCatalog} its
 *     parent is the Iceberg warehouse unless the catalog names one
 * @param artifactDigest the digest the registry recorded for the artifact (null: not checked)
 * @param outputCatalog the Iceberg table the scores are committed to, one tagged snapshot per
 *     as-of, instead of the dated directory (null: the directory with {@code _SUCCESS})
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
        String artifactDigest,
        TableCatalog outputCatalog)
        implements Task {}
