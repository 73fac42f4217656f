package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;

import java.util.HashMap;
import java.util.Map;

/**
 * Where XGBoost's boosting rounds run: in this JVM ({@link #LOCAL}, the single-pod trainer) or on
 * Spark executors (trainer-spark). Everything around them (reading, split, search, evaluation,
 * SHAP, the published artifact) is the trainer's, whichever engine trains.
 */
public interface BoostingEngine {

    /**
     * A trained booster in XGBoost's JSON and the validation AUC after each round trained (empty
     * without validation rows).
     */
    record Trained(byte[] json, double[] validationAuc) {}

    /**
     * Trains on the {@code train} rows of {@code x} (zeros missing) with {@link #parameters}: with
     * {@code valid} rows, at most {@code rounds} rounds, stopping once {@code patience} rounds in a
     * row did not improve the validation AUC; without them ({@code null}), exactly {@code rounds}.
     */
    Trained train(
            SparseMatrix x,
            int[] y,
            int[] train,
            int[] valid,
            int depth,
            int rounds,
            int patience,
            long seed);

    /** The engine's name in the logs and the summary ({@code xgboost4j}, {@code spark}). */
    String name();

    /**
     * How many independent fits (auto's inner folds and depths) may run side by side, each on
     * {@link #oneThreaded()}; 1: one at a time on this engine.
     */
    default int sideBySide() {
        return 1;
    }

    /** This engine with each fit on one thread, for fits run side by side. */
    default BoostingEngine oneThreaded() {
        return this;
    }

    /** The booster's parameters at {@code depth}: the same for every engine. */
    static Map<String, Object> parameters(int depth, long seed) {
        Map<String, Object> p = new HashMap<>();
        p.put("objective", "binary:logistic");
        p.put("eval_metric", "auc");
        p.put("maximize_evaluation_metrics", "true");
        p.put("eta", Boosted.ETA);
        p.put("max_depth", depth);
        p.put("tree_method", "hist");
        p.put("seed", (int) seed);
        p.put("verbosity", 0);
        return p;
    }

    /** XGBoost4J in this JVM, on all its processors. */
    BoostingEngine LOCAL = new LocalBoosting();
}
