package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The model a server process serves and how far it got: loading, ready (loaded and warmed up) or
 * failed. A failed model never becomes ready, so Kubernetes keeps sending traffic to the old pods.
 */
final class ModelSlot {

    enum State {
        LOADING,
        READY,
        FAILED
    }

    /**
     * A loaded model, its name → index map and the counts of what it serves against its training
     * statistics (null when the model has none).
     */
    record Loaded(ServingModel model, Map<String, Integer> featureIndex, FeatureDrift drift) {
        int numFeatures() {
            return model.featureNames().size();
        }
    }

    private volatile State state = State.LOADING;
    private volatile Loaded loaded;
    private volatile String error;
    private volatile Runnable settled = () -> {};
    private volatile boolean warmUpGrpc;

    /** Runs {@code listener} once the model is ready or has failed (on the loading thread). */
    void onSettled(Runnable listener) {
        settled = listener;
    }

    /** Warm the gRPC path up too (over loopback) before the model is ready: the server has it. */
    void warmUpGrpc() {
        warmUpGrpc = true;
    }

    State state() {
        return state;
    }

    /** The model, or null unless ready. */
    Loaded loaded() {
        return state == State.READY ? loaded : null;
    }

    String error() {
        return error;
    }

    /**
     * Loads and warms up the model on the calling thread; returns true when ready. Never throws:
     * any failure is kept as the error a person reads in {@code /v2/models/{name}}.
     */
    boolean load(Callable<? extends ServingModel> loader) {
        boolean ready = tryLoad(loader);
        settled.run();
        return ready;
    }

    private boolean tryLoad(Callable<? extends ServingModel> loader) {
        try {
            ServingModel model = loader.call();
            List<String> names = model.featureNames();
            if (names == null || names.isEmpty()) {
                throw new IllegalStateException("the model declares no features");
            }
            Map<String, Integer> index = new HashMap<>(names.size() * 2);
            for (int i = 0; i < names.size(); i++) {
                if (index.put(names.get(i), i) != null) {
                    throw new IllegalStateException(
                            "the model declares feature '" + names.get(i) + "' twice");
                }
            }
            double t = model.threshold();
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalStateException("the model threshold " + t + " is not in [0, 1]");
            }
            warmUp(model, names.size());
            CodecWarmUp.warmUp(index, names);
            if (warmUpGrpc) {
                GrpcWarmUp.run(index, names, GrpcWarmUp.CALLS, GrpcWarmUp.MAX_NANOS);
            }
            loaded =
                    new Loaded(
                            model,
                            index,
                            model.statistics().map(s -> FeatureDrift.of(s, index)).orElse(null));
            state = State.READY;
            return true;
        } catch (Exception | LinkageError e) {
            error =
                    e.getMessage() == null
                            ? e.toString()
                            : e.getClass().getSimpleName() + ": " + e.getMessage();
            state = State.FAILED;
            System.err.println("mlcycle-server: model failed to load, never ready: " + error);
            e.printStackTrace();
            return false;
        }
    }

    /** A few predictions on an all-zero row and a row of ones: they must be probabilities. */
    private static void warmUp(ServingModel model, int numFeatures) {
        int[] cols = new int[numFeatures];
        float[] ones = new float[numFeatures];
        for (int c = 0; c < numFeatures; c++) {
            cols[c] = c;
            ones[c] = 1f;
        }
        SparseMatrix rows =
                new SparseMatrix(
                        new String[] {"warmup-zero", "warmup-ones"},
                        new int[] {0, 0, numFeatures},
                        cols,
                        ones,
                        numFeatures);
        for (int i = 0; i < 20; i++) {
            float[] p = model.predict(rows);
            if (p == null || p.length != 2) {
                throw new IllegalStateException(
                        "warm-up prediction returned "
                                + (p == null ? "null" : p.length + " values")
                                + " for 2 rows");
            }
            for (float v : p) {
                if (!(v >= 0f && v <= 1f)) {
                    throw new IllegalStateException(
                            "warm-up prediction returned " + v + ", not a probability");
                }
            }
        }
    }
}
