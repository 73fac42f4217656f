package io.mlcycle.scorer.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionSink;
import io.mlcycle.lake.LakeInputs;
import io.mlcycle.lake.LakeSink;
import io.mlcycle.model.BatchScores;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.spark.FeatureParts;
import io.mlcycle.spark.JoinedRow;
import io.mlcycle.spark.Relay;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scores a {@link ScoreTask} on Spark: the driver checks the task and the model and plans the parts
 * of the feature tables; the executors read them (one slice of a part per task), join them by
 * entity and score each partition with the model's pure-Java scorer in {@code mapPartitions}; the
 * driver streams the scores into the single pod's {@code scores.parquet} ({@link BatchScores}): the
 * same columns, ranks, order, publishing and summary.
 */
final class SparkScore {

    /** Rows scored at once by one task. */
    static final int BATCH = 4096;

    /** The settings a failed Spark run names. */
    static final String SETTINGS =
            "spec.batch.spark.executor (instances, cores, memory, memoryOverhead) or"
                    + " spec.batch.spark.image";

    /** Models loaded on this JVM (an executor scores many partitions with one model). */
    private static final Map<String, ModelArtifact> MODELS = new ConcurrentHashMap<>();

    private SparkScore() {}

    /** What an executor needs to load the model. */
    record ModelRef(String model, int version, String artifactUri, String digest)
            implements Serializable {

        ModelArtifact load() {
            return MODELS.computeIfAbsent(
                    artifactUri + "@" + digest,
                    k ->
                            BatchScores.model(
                                    new ScoreTask(
                                            null,
                                            model,
                                            version,
                                            artifactUri,
                                            null,
                                            null,
                                            null,
                                            null,
                                            digest,
                                            null)));
        }
    }

    /** One scored entity as it travels back to the driver. */
    record Out(String entity, float score, long ord) implements Serializable {}

    static Summary run(ScoreTask task, SparkSession spark) {
        long t0 = System.nanoTime();
        BatchScores.Target target = BatchScores.target(task);
        // the scores table first: an unreachable catalog or a foreign table fails before any work
        VersionSink sink =
                task.outputCatalog() == null
                        ? BatchScores.directory(target)
                        : LakeSink.scores(task, target.parentUri(), System::getenv);
        ModelArtifact artifact = BatchScores.model(task);
        List<FeatureParts.Table> tables;
        // Iceberg views: the driver plans each as-of's tag, the executors read the planned files
        LakeInputs planned = LakeInputs.plan(task.features(), System::getenv);
        try {
            tables = FeatureParts.plan(planned.inputs(), planned.plans());
        } catch (IOException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "ReadFailed",
                    "cannot read features: " + e.getMessage());
        }
        List<String> available = new ArrayList<>();
        Map<String, Integer> modelColumn = new HashMap<>();
        for (int i = 0; i < artifact.featureNames().size(); i++) {
            modelColumn.put(artifact.featureNames().get(i), i);
        }
        int[][] toModel = new int[tables.size()][];
        String[] views = new String[tables.size()];
        for (FeatureParts.Table t : tables) {
            toModel[t.index()] = columns(t, modelColumn, available);
            views[t.index()] = t.featureView();
        }
        long matched = BatchScores.matched(artifact, available, task.features());
        long tRead = System.nanoTime();

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<FeatureParts.Slice> slices = FeatureParts.slices(tables, jsc.defaultParallelism());
        ModelRef ref =
                new ModelRef(
                        task.model(), task.version(), task.artifactUri(), task.artifactDigest());
        int numFeatures = artifact.featureNames().size();
        JavaPairRDD<String, FeatureParts.Piece> pieces =
                jsc.parallelize(slices, slices.size())
                        .flatMapToPair(
                                s ->
                                        Relay.relayed(
                                                () ->
                                                        FeatureParts.read(
                                                                        s,
                                                                        views[s.table()],
                                                                        toModel[s.table()])
                                                                .iterator()));
        JavaRDD<Out> scored =
                pieces.groupByKey(Math.max(1, jsc.defaultParallelism()))
                        .mapPartitions(
                                rows -> Relay.relayed(() -> score(rows, ref, views, numFeatures)));
        try {
            Iterator<Out> out = scored.toLocalIterator();
            Iterator<BatchScores.Scored> asScored =
                    new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return out.hasNext();
                        }

                        @Override
                        public BatchScores.Scored next() {
                            Out o = out.next();
                            return new BatchScores.Scored(o.entity(), o.score(), o.ord());
                        }
                    };
            return ScoreSummary.withSnapshots(
                    BatchScores.publish(
                            task,
                            target,
                            artifact,
                            matched,
                            asScored,
                            new BatchScores.Timings(t0, tRead, System.nanoTime()),
                            sink),
                    planned.inputs());
        } catch (TaskFailure f) {
            throw f;
        } catch (Exception e) {
            // SparkException is checked, yet thrown by the RDD's Scala code undeclared
            throw failure(e);
        }
    }

    /** Table column to model column (-1: not in the model); the table's names go to available. */
    private static int[] columns(
            FeatureParts.Table t, Map<String, Integer> modelColumn, List<String> available) {
        int[] map = new int[t.catalog().size()];
        java.util.Arrays.fill(map, -1);
        boolean[] seen = new boolean[map.length];
        for (var f : t.catalog().features()) {
            if (f.index() < 0 || f.index() >= map.length || seen[f.index()]) {
                throw TaskFailure.invalid(
                        "CorruptFeatureCatalog",
                        "featureView '"
                                + t.featureView()
                                + "': feature index "
                                + f.index()
                                + " is out of range or repeated");
            }
            seen[f.index()] = true;
            String name = t.featureView() + "/" + f.name();
            available.add(name);
            map[f.index()] = modelColumn.getOrDefault(name, -1);
        }
        return map;
    }

    /** Joins each entity's pieces (an outer join: absent tables are zeros) and scores batches. */
    private static Iterator<Out> score(
            Iterator<scala.Tuple2<String, Iterable<FeatureParts.Piece>>> rows,
            ModelRef ref,
            String[] views,
            int numFeatures) {
        ModelArtifact model = ref.load();
        List<Out> out = new ArrayList<>();
        List<String> entities = new ArrayList<>(BATCH);
        List<long[]> ords = new ArrayList<>(BATCH);
        List<int[]> cols = new ArrayList<>(BATCH);
        List<float[]> vals = new ArrayList<>(BATCH);
        while (rows.hasNext()) {
            var row = rows.next();
            JoinedRow joined = JoinedRow.of(row._1(), row._2(), views);
            entities.add(row._1());
            ords.add(new long[] {joined.ord()});
            cols.add(joined.cols());
            vals.add(joined.vals());
            if (entities.size() == BATCH || !rows.hasNext()) {
                float[] scores = model.predict(matrix(entities, cols, vals, numFeatures));
                for (int i = 0; i < scores.length; i++) {
                    out.add(new Out(entities.get(i), scores[i], ords.get(i)[0]));
                }
                entities.clear();
                ords.clear();
                cols.clear();
                vals.clear();
            }
        }
        return out.iterator();
    }

    private static SparseMatrix matrix(
            List<String> entities, List<int[]> cols, List<float[]> vals, int numFeatures) {
        int nnz = cols.stream().mapToInt(c -> c.length).sum();
        int[] rowPtr = new int[entities.size() + 1];
        int[] c = new int[nnz];
        float[] v = new float[nnz];
        int k = 0;
        for (int r = 0; r < entities.size(); r++) {
            System.arraycopy(cols.get(r), 0, c, k, cols.get(r).length);
            System.arraycopy(vals.get(r), 0, v, k, vals.get(r).length);
            k += cols.get(r).length;
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(entities.toArray(String[]::new), rowPtr, c, v, numFeatures);
    }

    /**
     * A task's own failure (a bad table, a model that does not load) as the executor threw it;
     * anything else as a Spark failure naming the settings to change.
     */
    static TaskFailure failure(Throwable e) {
        java.util.Optional<TaskFailure> own = Relay.taskFailure(e);
        if (own.isPresent()) {
            return own.get();
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        int line = message.indexOf('\n');
        return new TaskFailure(
                Summary.Outcome.Failed,
                "SparkFailed",
                "the Spark job failed: "
                        + (line > 0 ? message.substring(0, line) : message)
                        + "; check "
                        + SETTINGS);
    }
}
