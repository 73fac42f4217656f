package io.mlcycle.server;

import io.mlcycle.common.VersionSink;
import io.mlcycle.lake.LakeInputs;
import io.mlcycle.lake.LakeSink;
import io.mlcycle.model.BatchScores;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;

import java.util.function.Function;

/**
 * Runs a {@link ScoreTask} in one pod: joins the FeatureView versions into the model's feature
 * space, scores every entity and publishes {@code scores.parquet} (entity, score, rank; rank 1 =
 * highest score) as a dated version with {@code _SUCCESS}, through {@link BatchScores}, the code
 * scorer-spark shares. A FeatureView stored as an Iceberg table is read through its as-of's tag
 * ({@link LakeInputs}, the trainer's scan), never from a directory, and the summary names the
 * snapshot it read ({@code snapshots}, as the trainer's). With an output catalog the scores are one
 * commit of the deployment's Iceberg scores table instead ({@link LakeSink}), tagged by the as-of,
 * and the summary names the committed snapshot ({@code committed}). A failed run leaves the
 * previous output as it was.
 */
final class BatchScore {

    static final String FILE = BatchScores.FILE;

    private BatchScore() {}

    static Summary run(ScoreTask task) {
        return run(task, System::getenv);
    }

    /** {@link #run(ScoreTask)} with the catalog credentials from {@code env}. */
    static Summary run(ScoreTask task, Function<String, String> env) {
        VersionSink sink = sink(task, env);
        LakeInputs planned = LakeInputs.plan(task.features(), env);
        Summary s =
                BatchScores.runInOnePod(
                        task, planned.inputs(), FeatureAssembler.planned(planned.plans()), sink);
        return ScoreSummary.withSnapshots(s, planned.inputs());
    }

    /**
     * Where the task's scores go: its dated directories, or the Iceberg table its output catalog
     * names (opened, or created, before any work: a catalog that cannot be reached or a table with
     * other columns fails the run here, naming catalog and table).
     */
    static VersionSink sink(ScoreTask task, Function<String, String> env) {
        BatchScores.Target target = BatchScores.target(task);
        if (task.outputCatalog() == null) {
            return BatchScores.directory(target);
        }
        return LakeSink.scores(task, target.parentUri(), env);
    }
}
