package io.mlcycle.server;

import io.mlcycle.model.BatchScores;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;

/**
 * Runs a {@link ScoreTask} in one pod: joins the FeatureView versions into the model's feature
 * space, scores every entity and publishes {@code scores.parquet} (entity, score, rank; rank 1 =
 * highest score) as a dated version with {@code _SUCCESS}, through {@link BatchScores}, the code
 * scorer-spark shares. A failed run leaves the previous output as it was.
 */
final class BatchScore {

    static final String FILE = BatchScores.FILE;

    private BatchScore() {}

    static Summary run(ScoreTask task) {
        return BatchScores.runInOnePod(task);
    }
}
