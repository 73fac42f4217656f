package io.mlcycle.trainer.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.task.Progress;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.trainer.DistributedXgboost;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains one xgboost {@link TrainTask} with the rows on the executors: they read and join the
 * tables and labels ({@link TrainingRows}), the driver splits by position as the single pod splits,
 * XGBoost4J-Spark searches the depth and refits ({@link SparkBoosting}), the executors score the
 * hold-out with the served scorer and count the statistics, and the driver explains a sample
 * collected to it and publishes the single pod's artifact ({@link DistributedXgboost}).
 */
final class SparkTrainer {

    private SparkTrainer() {}

    static Summary run(TrainTask t, SparkSession spark, int workers) throws IOException {
        long start = System.nanoTime();
        DistributedXgboost.Plan plan = DistributedXgboost.plan(t);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TrainingRows rows;
        try {
            rows = TrainingRows.read(t, jsc, workers);
        } catch (RuntimeException e) {
            throw SparkTrainingFailures.of(e, workers);
        }
        int numFeatures = rows.columns().features().size();
        Progress.report("read %d labelled rows, %d features", rows.labels().length, numFeatures);
        log(
                "data: %d labelled rows, %d features, read on the executors (%.1f s)",
                rows.labels().length, numFeatures, (System.nanoTime() - start) / 1e9);
        byte[] roles = DistributedXgboost.roles(plan, rows.labels());
        Broadcast<byte[]> role = jsc.broadcast(roles);
        try {
            DistributedXgboost.Outcome outcome =
                    train(plan, spark, rows, role, workers, numFeatures);
            return DistributedXgboost.publish(plan, rows.columns(), outcome, start);
        } catch (RuntimeException e) {
            throw SparkTrainingFailures.of(e, workers);
        } finally {
            rows.rows().unpersist(false);
            role.destroy();
        }
    }

    private static DistributedXgboost.Outcome train(
            DistributedXgboost.Plan plan,
            SparkSession spark,
            TrainingRows rows,
            Broadcast<byte[]> role,
            int workers,
            int numFeatures) {
        SparkBoosting boosting = new SparkBoosting(spark, workers);
        long t0 = System.nanoTime();
        Dataset<Row> fit = frame(spark, rows.rows(), role, numFeatures, DistributedXgboost.TRAIN);
        Dataset<Row> valid = frame(spark, rows.rows(), role, numFeatures, DistributedXgboost.VALID);
        List<double[]> auc = new ArrayList<>();
        for (int depth : DistributedXgboost.depths()) {
            double[] history =
                    boosting.train(
                                    fit,
                                    valid,
                                    depth,
                                    DistributedXgboost.MAX_ROUNDS,
                                    DistributedXgboost.PATIENCE,
                                    plan.seed())
                            .validationAuc();
            auc.add(history);
            Progress.report(
                    "xgboost depth %d: %d rounds on %d workers", depth, history.length, workers);
        }
        DistributedXgboost.Choice choice = DistributedXgboost.choose(auc);
        byte[] trees =
                boosting.train(
                                frame(
                                        spark,
                                        rows.rows(),
                                        role,
                                        numFeatures,
                                        DistributedXgboost.TRAIN,
                                        DistributedXgboost.VALID),
                                null,
                                choice.depth(),
                                choice.rounds(),
                                0,
                                plan.seed())
                        .json();
        double seconds = (System.nanoTime() - t0) / 1e9;
        log(
                "xgboost on %d workers: depth %d, %d rounds (%.1f s)",
                workers, choice.depth(), choice.rounds(), seconds);
        HeldOut.Scores test = HeldOut.scores(rows.rows(), role, trees, numFeatures);
        SparseMatrix explained =
                HeldOut.collect(
                        rows.rows(), DistributedXgboost.explained(plan, role.value()), numFeatures);
        FeatureStatistics statistics =
                HeldOut.statistics(rows.rows(), rows.columns().names(), rows.labels().length);
        long positives = java.util.Arrays.stream(rows.labels()).filter(v -> v == 1).count();
        return new DistributedXgboost.Outcome(
                trees,
                choice,
                test.scores(),
                test.labels(),
                rows.labels().length,
                positives,
                rows.labelRows(),
                explained,
                statistics,
                seconds);
    }

    /**
     * The rows of the given roles as XGBoost4J-Spark's frame, in the rows' partitions: one per
     * worker as {@link TrainingRows#read} makes them, so XGBoost trains on them as they are cached.
     */
    static Dataset<Row> frame(
            SparkSession spark,
            JavaPairRDD<Long, TrainingRows.Labelled> rows,
            Broadcast<byte[]> role,
            int numFeatures,
            byte... roles) {
        JavaRDD<Row> picked =
                rows.filter(e -> has(roles, role.value()[(int) (long) e._1()]))
                        .map(
                                e ->
                                        SparkBoosting.row(
                                                numFeatures,
                                                e._2().cols(),
                                                e._2().vals(),
                                                e._2().label()));
        return spark.createDataFrame(picked, SparkBoosting.SCHEMA);
    }

    static boolean has(byte[] roles, byte role) {
        for (byte r : roles) {
            if (r == role) {
                return true;
            }
        }
        return false;
    }

    static void log(String format, Object... args) {
        System.err.println("[trainer-spark] " + String.format(Locale.ROOT, format, args));
    }
}
