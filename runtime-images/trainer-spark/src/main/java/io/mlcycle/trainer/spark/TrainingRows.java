package io.mlcycle.trainer.spark;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.LakeInputs;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.spark.FeatureParts;
import io.mlcycle.spark.JoinedRow;
import io.mlcycle.spark.Relay;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainTask;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The labelled rows of a training task as the executors read them: each reads slices of the feature
 * tables' parts and files of the labels (the single pod's readers, file:// and s3://), joins them
 * by entity and checks them as the single pod does; the rows are numbered in the single pod's order
 * (first appearance, table by table), so its split applies by position. The driver reads the
 * catalogs and gets one label per row, never the features.
 *
 * @param columns the assembled feature columns (names, min, max) without rows
 * @param rows labelled rows by position, serialized in memory and on disk
 * @param labels the label of each position
 * @param labelRows distinct entities of the label table
 */
record TrainingRows(
        FeatureAssembler.Assembled columns,
        JavaPairRDD<Long, Labelled> rows,
        int[] labels,
        int labelRows) {

    /** One labelled entity: its single-pod order, label and non-zero columns. */
    record Labelled(String entity, long ord, int label, int[] cols, float[] vals)
            implements Serializable {}

    /**
     * Reads the task's rows into {@code workers} partitions, one per XGBoost worker, each a range
     * of positions: the frames built from them train without a repartition (a shuffle of every row
     * for each fit), on the same rows per worker however the tables were read.
     */
    static TrainingRows read(TrainTask t, JavaSparkContext jsc, int workers) throws IOException {
        // Iceberg views: the driver plans each as-of's tag, the executors read the planned files
        LakeInputs planned = LakeInputs.plan(t.features(), System::getenv);
        List<FeatureParts.Table> tables = FeatureParts.plan(planned.inputs(), planned.plans());
        FeatureAssembler.Assembled columns = columns(tables, planned.inputs());
        int[][] toModel = new int[tables.size()][];
        String[] views = new String[tables.size()];
        int offset = 0;
        for (FeatureParts.Table table : tables) {
            int size = table.catalog().size();
            toModel[table.index()] =
                    java.util.stream.IntStream.range(offset, offset + size).toArray();
            views[table.index()] = table.featureView();
            offset += size;
        }
        String[] names = columns.names().toArray(String[]::new);
        List<FeatureParts.Slice> slices = FeatureParts.slices(tables, jsc.defaultParallelism());
        JavaPairRDD<String, JoinedRow> features =
                jsc.parallelize(slices, slices.size())
                        .flatMapToPair(
                                s ->
                                        Relay.relayed(
                                                () ->
                                                        FeatureParts.read(
                                                                        s,
                                                                        views[s.table()],
                                                                        toModel[s.table()])
                                                                .iterator()))
                        .groupByKey(Math.max(1, jsc.defaultParallelism()))
                        .mapToPair(
                                e ->
                                        Relay.relayed(
                                                () ->
                                                        new scala.Tuple2<>(
                                                                e._1(),
                                                                finite(
                                                                        e._1(),
                                                                        JoinedRow.of(
                                                                                e._1(), e._2(),
                                                                                views),
                                                                        names))));
        JavaPairRDD<String, Integer> labels = LabelFiles.read(t, jsc);
        labels.persist(StorageLevel.MEMORY_AND_DISK_SER());
        int labelRows = (int) labels.count();
        JavaRDD<Labelled> labelled =
                features.join(labels)
                        .map(
                                e ->
                                        new Labelled(
                                                e._1(),
                                                e._2()._1().ord(),
                                                e._2()._2(),
                                                e._2()._1().cols(),
                                                e._2()._1().vals()));
        JavaPairRDD<Long, Labelled> numbered =
                labelled.sortBy(Labelled::ord, true, Math.max(1, jsc.defaultParallelism()))
                        .zipWithIndex()
                        .mapToPair(e -> new scala.Tuple2<>(e._2(), e._1()));
        JavaPairRDD<Long, Labelled> rows =
                numbered.repartitionAndSortWithinPartitions(
                        new Positions(Math.max(1, workers), numbered.count()));
        rows.persist(StorageLevel.MEMORY_AND_DISK_SER());
        int[] y = labelsInOrder(rows);
        checkLabelled(y, labels, features, t.labels().uri());
        labels.unpersist(false);
        return new TrainingRows(columns, rows, y, labelRows);
    }

    /**
     * Positions {@code 0..rows-1} in {@code parts} ranges of nearly equal size, in order: each
     * worker's rows depend on the positions only, not on how the tables were sliced.
     */
    static final class Positions extends org.apache.spark.Partitioner {
        private final int parts;
        private final long rows;

        Positions(int parts, long rows) {
            this.parts = parts;
            this.rows = Math.max(1, rows);
        }

        @Override
        public int numPartitions() {
            return parts;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.min(parts - 1, (Long) key * parts / rows);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Positions p && p.parts == parts && p.rows == rows;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rows) * 31 + parts;
        }
    }

    /**
     * The catalogs joined as the single pod joins its tables, without their rows; {@code inputs}
     * (an Iceberg one pinned to its snapshot) become the model's lineage.
     */
    private static FeatureAssembler.Assembled columns(
            List<FeatureParts.Table> tables, List<FeatureInput> inputs) {
        List<FeatureAssembler.Table> empty = new ArrayList<>();
        for (FeatureParts.Table t : tables) {
            FeatureCatalog c = t.catalog();
            empty.add(
                    new FeatureAssembler.Table(
                            t.featureView(),
                            new SparseMatrix(
                                    new String[0], new int[1], new int[0], new float[0], c.size()),
                            c));
        }
        FeatureAssembler.Assembled a = FeatureAssembler.join(empty);
        if (a.features().isEmpty()) {
            throw TaskFailure.invalid(
                    "NoFeatures", "the feature tables have zero features: nothing to train on");
        }
        return new FeatureAssembler.Assembled(
                a.matrix(), a.features(), a.min(), a.max(), List.copyOf(inputs));
    }

    /** Refuses a non-finite value as the single pod does, naming the feature and entity. */
    private static JoinedRow finite(String entity, JoinedRow row, String[] names) {
        for (int k = 0; k < row.vals().length; k++) {
            if (!Float.isFinite(row.vals()[k])) {
                throw TaskFailure.invalid(
                        "NaNValue",
                        "feature "
                                + names[row.cols()[k]]
                                + " of entity '"
                                + entity
                                + "' is "
                                + row.vals()[k]);
            }
        }
        return row;
    }

    /** Each position's label, gathered a partition at a time in position order. */
    private static int[] labelsInOrder(JavaPairRDD<Long, Labelled> rows) {
        List<byte[]> parts =
                rows.mapPartitions(
                                it -> {
                                    java.io.ByteArrayOutputStream b =
                                            new java.io.ByteArrayOutputStream();
                                    while (it.hasNext()) {
                                        b.write(it.next()._2().label());
                                    }
                                    return List.of(b.toByteArray()).iterator();
                                })
                        .collect();
        int n = parts.stream().mapToInt(p -> p.length).sum();
        int[] y = new int[n];
        int k = 0;
        for (byte[] p : parts) {
            for (byte b : p) {
                y[k++] = b;
            }
        }
        return y;
    }

    private static void checkLabelled(
            int[] y,
            JavaPairRDD<String, Integer> labels,
            JavaPairRDD<String, JoinedRow> features,
            String labelsUri) {
        if (y.length == 0) {
            throw TaskFailure.invalid(
                    "NoEntityOverlap",
                    "no entity of the labels "
                            + labelsUri
                            + " (e.g. "
                            + labels.keys().take(3)
                            + ") is in the feature tables (e.g. "
                            + features.keys().take(3)
                            + ")");
        }
        long pos = java.util.Arrays.stream(y).filter(v -> v == 1).count();
        if (pos == 0 || pos == y.length) {
            throw TaskFailure.invalid(
                    "SingleClass",
                    "all "
                            + y.length
                            + " labelled rows have label "
                            + y[0]
                            + ": training needs both classes 0 and 1");
        }
    }
}
