package io.mlcycle.trainer;

import io.mlcycle.common.SparseMatrix;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The single pod's boosting: XGBoost4J in this JVM, round by round while the AUC improves; on all
 * the processors, but one thread for a fit on few rows ({@link #threads}).
 */
final class LocalBoosting implements BoostingEngine {

    /**
     * Training rows below which a fit runs on one thread: on so few rows a round is microseconds of
     * work, and the OpenMP threads' synchronisation at every tree level costs more than they save
     * (much more on a loaded machine, where a waiting thread waits for its core).
     */
    static final int ONE_THREAD_ROWS = 2_000;

    /** XGBoost's {@code nthread}; 0: by {@link #threads} for each fit. */
    private final int fixedThreads;

    /** Independent fits run side by side ({@link BoostingEngine#sideBySide}). */
    private final int sideBySide;

    /** Threads by {@link #threads}; independent fits side by side, one per processor. */
    LocalBoosting() {
        this(0, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Boosting on {@code fixedThreads} threads whatever the rows (0: by {@link #threads}), one fit
     * at a time.
     */
    LocalBoosting(int fixedThreads) {
        this(fixedThreads, 1);
    }

    LocalBoosting(int fixedThreads, int sideBySide) {
        this.fixedThreads = fixedThreads;
        this.sideBySide = Math.max(1, sideBySide);
    }

    /**
     * As many as the processors: independent single-threaded fits share no barrier, where one fit's
     * OpenMP threads wait for each other at every tree level (on a loaded machine, for a core: a
     * 259-round fit on 2 944 rows took 15 s on one thread and over 12 minutes on two at load 40).
     */
    @Override
    public int sideBySide() {
        return sideBySide;
    }

    @Override
    public BoostingEngine oneThreaded() {
        return new LocalBoosting(1);
    }

    /** XGBoost's {@code nthread} for a fit on {@code rows} training rows. */
    static int threads(int rows, int processors) {
        return rows < ONE_THREAD_ROWS ? 1 : Math.max(1, processors);
    }

    @Override
    public Trained train(
            SparseMatrix x,
            int[] y,
            int[] train,
            int[] valid,
            int depth,
            int rounds,
            int patience,
            long seed) {
        int threads =
                fixedThreads > 0
                        ? fixedThreads
                        : threads(train.length, Runtime.getRuntime().availableProcessors());
        Map<String, Object> params = BoostingEngine.parameters(depth, seed);
        params.put("nthread", threads);
        try {
            DMatrix dtrain = Boosted.matrix(x, y, train);
            if (valid == null) {
                Booster b = XGBoost.train(dtrain, params, rounds, new HashMap<>(), null, null);
                byte[] json = b.toByteArray("json");
                b.dispose();
                dtrain.dispose();
                return new Trained(json, new double[0]);
            }
            DMatrix dvalid = Boosted.matrix(x, y, valid);
            // round by round, scored with evalSet (XGBoost's cached predictions, no printing)
            Booster b = XGBoost.train(dtrain, params, 0, Map.of("valid", dvalid), null, null);
            List<Double> history = new ArrayList<>();
            int best = 0;
            double bestAuc = Double.NEGATIVE_INFINITY;
            for (int round = 0; round < rounds && round - best <= patience; round++) {
                b.update(dtrain, round);
                double auc =
                        Boosted.auc(
                                b.evalSet(new DMatrix[] {dvalid}, new String[] {"valid"}, round));
                history.add(auc);
                if (auc > bestAuc) {
                    bestAuc = auc;
                    best = round;
                }
            }
            byte[] json = b.toByteArray("json");
            b.dispose();
            dtrain.dispose();
            dvalid.dispose();
            return new Trained(json, history.stream().mapToDouble(Double::doubleValue).toArray());
        } catch (XGBoostError e) {
            throw new io.mlcycle.common.TaskFailure(
                    io.mlcycle.task.Summary.Outcome.Failed, "XGBoostError", e.getMessage());
        }
    }

    @Override
    public String name() {
        return "xgboost4j";
    }
}
