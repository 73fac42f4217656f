package io.mlcycle.trainer.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import io.mlcycle.trainer.BoostingEngine;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostTrainingSummary;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Map;

/**
 * XGBoost's boosting rounds on Spark: XGBoost4J-Spark trains one booster with {@code workers}
 * barrier tasks (every worker at once, histograms all-reduced through the tracker on the driver) on
 * rows the executors hold, with the single pod's parameters; the booster comes back to the driver
 * as XGBoost JSON.
 */
final class SparkBoosting {

    static final String FEATURES = "features";
    static final String LABEL = "label";

    /** The frames' schema: sparse features without zeros, and the label. */
    static final StructType SCHEMA =
            new StructType()
                    .add(FEATURES, SQLDataTypes.VectorType(), false)
                    .add(LABEL, DataTypes.DoubleType, false);

    /**
     * A trained booster in XGBoost's JSON and the validation AUC after each round trained (empty
     * without validation rows).
     */
    record Trained(byte[] json, double[] validationAuc) {}

    private final SparkSession spark;
    private final int workers;

    SparkBoosting(SparkSession spark, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        this.spark = spark;
        this.workers = workers;
    }

    int workers() {
        return workers;
    }

    /**
     * Trains on {@code train} (zeros missing): with {@code valid} rows, at most {@code rounds}
     * rounds, stopping once {@code patience} rounds in a row did not improve the validation AUC;
     * without them ({@code null}), exactly {@code rounds}.
     */
    Trained train(
            Dataset<Row> train,
            Dataset<Row> valid,
            int depth,
            int rounds,
            int patience,
            long seed) {
        XGBoostClassifier c = new XGBoostClassifier();
        Map<String, Object> p = BoostingEngine.parameters(depth, seed);
        c.setObjective((String) p.get("objective"));
        c.setEvalMetric((String) p.get("eval_metric"));
        c.setEta((Double) p.get("eta"));
        c.setMaxDepth(depth);
        c.setTreeMethod((String) p.get("tree_method"));
        c.setSeed(seed);
        c.setVerbosity(0);
        // zeros are missing, as the single pod's DMatrix and the served scorer treat them
        c.setMissing(0f);
        c.setNumWorkers(workers);
        c.setNumRound(rounds);
        c.setFeaturesCol(FEATURES);
        c.setLabelCol(LABEL);
        trackerHost(spark.conf().get("spark.driver.bindAddress", ""))
                .ifPresent(host -> c.setRabitTrackerHostIp(host));
        if (valid != null) {
            c.setEvalDataset(valid);
            c.setNumEarlyStoppingRounds(patience);
        }
        try {
            // XGBoost repartitions a frame whose partitions are not one per worker, only then
            XGBoostClassificationModel m = c.fit(train);
            byte[] json = m.nativeBooster().toByteArray("json");
            return new Trained(json, valid == null ? new double[0] : validationAuc(m));
        } catch (XGBoostError e) {
            throw new TaskFailure(Summary.Outcome.Failed, "XGBoostError", e.getMessage());
        } catch (Exception e) {
            // Scala throws checked exceptions undeclared (BarrierJobSlotsNumberCheckFailed)
            throw SparkTrainingFailures.of(e, workers);
        }
    }

    /** One row of the frames: the non-zero values; {@code cols} is kept when none is zero. */
    static Row row(int numFeatures, int[] cols, float[] vals, int label) {
        int n = 0;
        for (float v : vals) {
            if (v != 0) {
                n++;
            }
        }
        int[] idx = n == cols.length ? cols : new int[n];
        double[] val = new double[n];
        for (int k = 0, j = 0; k < cols.length; k++) {
            if (vals[k] != 0) {
                idx[j] = cols[k];
                val[j++] = vals[k];
            }
        }
        return RowFactory.create(Vectors.sparse(numFeatures, idx, val), (double) label);
    }

    /**
     * The address XGBoost's tracker listens on, for the executors to reach: the driver's bind
     * address where Spark was given one (on Kubernetes the driver pod's IP, from {@code
     * SPARK_DRIVER_BIND_ADDRESS}); otherwise XGBoost guesses an interface of its own, which in a
     * pod with several, or none routed to the outside, may be one the executors cannot reach.
     */
    static java.util.Optional<String> trackerHost(String bind) {
        if (bind == null || bind.isBlank() || bind.equals("0.0.0.0") || bind.equals("::")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(bind.strip());
    }

    private static double[] validationAuc(XGBoostClassificationModel m) {
        if (m.summary().isEmpty()) {
            return new double[0];
        }
        XGBoostTrainingSummary s = m.summary().get();
        if (s.validationObjectiveHistory().isEmpty()) {
            return new double[0];
        }
        float[] h = s.validationObjectiveHistory().head()._2();
        // the history has a slot for every allowed round; early stopping leaves the rest at 0
        int run = (int) Math.min(h.length, m.nativeBooster().getNumBoostedRound());
        double[] out = new double[run];
        for (int i = 0; i < run; i++) {
            out[i] = h[i];
        }
        return out;
    }
}
