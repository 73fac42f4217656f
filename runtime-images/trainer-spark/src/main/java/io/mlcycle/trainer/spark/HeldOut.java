package io.mlcycle.trainer.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.Trees;
import io.mlcycle.trainer.DistributedXgboost;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the executors compute from the labelled rows for the report: the hold-out's scores by the
 * served scorer, the explained rows gathered to the driver, and the per-feature statistics. The
 * rows are numbered and partitioned in position order, so partitions gathered in turn are in
 * position order.
 */
final class HeldOut {

    private HeldOut() {}

    /** The hold-out's scores and labels in position order. */
    record Scores(float[] scores, int[] labels) implements Serializable {}

    static Scores scores(
            JavaPairRDD<Long, TrainingRows.Labelled> rows,
            Broadcast<byte[]> role,
            byte[] trees,
            int numFeatures) {
        List<Scores> parts =
                rows.mapPartitions(
                                it -> {
                                    Trees model = Trees.parse(trees, numFeatures);
                                    List<Float> s = new ArrayList<>();
                                    List<Integer> l = new ArrayList<>();
                                    while (it.hasNext()) {
                                        var e = it.next();
                                        if (role.value()[(int) (long) e._1()]
                                                == DistributedXgboost.TEST) {
                                            TrainingRows.Labelled r = e._2();
                                            s.add(
                                                    (float)
                                                            model.probability(
                                                                    r.cols(),
                                                                    r.vals(),
                                                                    0,
                                                                    r.cols().length));
                                            l.add(r.label());
                                        }
                                    }
                                    float[] sa = new float[s.size()];
                                    for (int i = 0; i < sa.length; i++) {
                                        sa[i] = s.get(i);
                                    }
                                    return List.of(
                                                    new Scores(
                                                            sa,
                                                            l.stream()
                                                                    .mapToInt(Integer::intValue)
                                                                    .toArray()))
                                            .iterator();
                                })
                        .collect();
        int n = parts.stream().mapToInt(p -> p.scores().length).sum();
        float[] scores = new float[n];
        int[] labels = new int[n];
        int k = 0;
        for (Scores p : parts) {
            System.arraycopy(p.scores(), 0, scores, k, p.scores().length);
            System.arraycopy(p.labels(), 0, labels, k, p.labels().length);
            k += p.scores().length;
        }
        return new Scores(scores, labels);
    }

    /** The rows at {@code positions} (ascending), gathered to the driver in that order. */
    static SparseMatrix collect(
            JavaPairRDD<Long, TrainingRows.Labelled> rows, int[] positions, int numFeatures) {
        List<TrainingRows.Labelled> picked =
                rows.filter(e -> Arrays.binarySearch(positions, (int) (long) e._1()) >= 0)
                        .values()
                        .collect();
        String[] entities = new String[picked.size()];
        int[] rowPtr = new int[picked.size() + 1];
        int nnz = picked.stream().mapToInt(r -> r.cols().length).sum();
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int k = 0;
        for (int i = 0; i < picked.size(); i++) {
            TrainingRows.Labelled r = picked.get(i);
            entities[i] = r.entity();
            System.arraycopy(r.cols(), 0, cols, k, r.cols().length);
            System.arraycopy(r.vals(), 0, vals, k, r.vals().length);
            k += r.cols().length;
            rowPtr[i + 1] = k;
        }
        return new SparseMatrix(entities, rowPtr, cols, vals, numFeatures);
    }

    /**
     * The single pod's statistics of every column over {@code rows} labelled rows: each partition
     * gathers its non-zero values by column, the columns' values meet on one executor, sorted.
     */
    static FeatureStatistics statistics(
            JavaPairRDD<Long, TrainingRows.Labelled> rows, List<String> names, long count) {
        String[] name = names.toArray(String[]::new);
        List<Stat> computed =
                rows.values()
                        .mapPartitionsToPair(
                                it -> {
                                    java.util.Map<Integer, float[]> byCol =
                                            new java.util.HashMap<>();
                                    java.util.Map<Integer, Integer> fill =
                                            new java.util.HashMap<>();
                                    while (it.hasNext()) {
                                        TrainingRows.Labelled r = it.next();
                                        for (int k = 0; k < r.cols().length; k++) {
                                            if (r.vals()[k] != 0) {
                                                append(byCol, fill, r.cols()[k], r.vals()[k]);
                                            }
                                        }
                                    }
                                    List<scala.Tuple2<Integer, float[]>> out = new ArrayList<>();
                                    byCol.forEach(
                                            (c, v) ->
                                                    out.add(
                                                            new scala.Tuple2<>(
                                                                    c,
                                                                    Arrays.copyOf(
                                                                            v, fill.get(c)))));
                                    return out.iterator();
                                })
                        .reduceByKey(HeldOut::concat)
                        .map(
                                e -> {
                                    float[] v = e._2();
                                    Arrays.sort(v);
                                    return Stat.of(
                                            FeatureStatistics.feature(name[e._1()], v, count));
                                })
                        .collect();
        java.util.Map<String, FeatureStatistics.Feature> byName = new java.util.HashMap<>();
        computed.forEach(s -> byName.put(s.name(), s.feature()));
        List<FeatureStatistics.Feature> features = new ArrayList<>(name.length);
        for (String n : name) {
            FeatureStatistics.Feature f = byName.get(n);
            features.add(f != null ? f : FeatureStatistics.feature(n, new float[0], count));
        }
        return new FeatureStatistics(count, List.copyOf(features));
    }

    /** One feature's statistics as they travel to the driver. */
    record Stat(String name, double presence, double[] edges, double[] fractions)
            implements Serializable {
        static Stat of(FeatureStatistics.Feature f) {
            return new Stat(f.name(), f.presence(), f.edges(), f.fractions());
        }

        FeatureStatistics.Feature feature() {
            return new FeatureStatistics.Feature(name, presence, edges, fractions);
        }
    }

    private static void append(
            java.util.Map<Integer, float[]> byCol,
            java.util.Map<Integer, Integer> fill,
            int col,
            float v) {
        float[] a = byCol.get(col);
        int n = fill.getOrDefault(col, 0);
        if (a == null) {
            a = new float[8];
        } else if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
        }
        a[n] = v;
        byCol.put(col, a);
        fill.put(col, n + 1);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
