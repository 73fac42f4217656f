package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.Summary;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link ServeTask}: binds at once (live), loads and warms up the model in the background
 * (ready), serves until SIGTERM, then stops gracefully.
 */
final class Serve {

    /** Bind address; a pod listens on every interface, tests and local mode on loopback. */
    static final String BIND_ENV = PodEnv.BIND_ADDRESS;

    /** Worker threads of the HTTP server (default: 2 per core, at least 4). */
    static final String THREADS_ENV = PodEnv.SERVER_THREADS;

    /**
     * Port of the gRPC service (default 0: a free one, printed at start; -1: no gRPC). A pod sets
     * it to the container port named {@code grpc}.
     */
    static final String GRPC_PORT_ENV = PodEnv.GRPC_PORT;

    static final int DEFAULT_MAX_BODY_BYTES = 8 << 20;
    static final int DEFAULT_MAX_ROWS = 10_000;
    static final int DEFAULT_FEEDBACK_WINDOW = 100_000;

    /**
     * Seconds between SIGTERM and closing the listener, serving while reporting not ready, so the
     * endpoint is gone before connections are refused (default 5; keep it under the pod's grace).
     */
    static final String DRAIN_ENV = PodEnv.DRAIN_SECONDS;

    private static final int GRACE_SECONDS = 5;

    /** Counted down once the summary is written, so the shutdown hook lets the JVM end. */
    static final CountDownLatch REPORTED = new CountDownLatch(1);

    private Serve() {}

    /** The server settings of a task, with defaults for limits left at 0, checked. */
    static InferenceServer.Config config(ServeTask task, Map<String, String> env) {
        if (task.model() == null || task.model().isBlank()) {
            throw TaskFailure.invalid("InvalidTask", "model is empty");
        }
        if (task.model().contains("/")) {
            throw TaskFailure.invalid(
                    "InvalidTask", "model '" + task.model() + "' must not contain '/'");
        }
        if (task.port() < 0 || task.port() > 65535) {
            throw TaskFailure.invalid("InvalidTask", "port " + task.port() + " is not in 0..65535");
        }
        String deployment =
                task.deployment() == null || task.deployment().isBlank()
                        ? task.model()
                        : task.deployment();
        String bind = env.getOrDefault(BIND_ENV, "0.0.0.0");
        int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        if (env.get(THREADS_ENV) != null) {
            try {
                threads = Integer.parseInt(env.get(THREADS_ENV).trim());
            } catch (NumberFormatException e) {
                threads = -1;
            }
            if (threads < 1) {
                throw TaskFailure.invalid(
                        "InvalidTask",
                        THREADS_ENV + " '" + env.get(THREADS_ENV) + "' is not a positive number");
            }
        }
        int grpcPort = 0;
        if (env.get(GRPC_PORT_ENV) != null) {
            try {
                grpcPort = Integer.parseInt(env.get(GRPC_PORT_ENV).trim());
            } catch (NumberFormatException e) {
                grpcPort = -2;
            }
            if (grpcPort < -1 || grpcPort > 65535) {
                throw TaskFailure.invalid(
                        "InvalidTask",
                        GRPC_PORT_ENV
                                + " '"
                                + env.get(GRPC_PORT_ENV)
                                + "' is not a port in 0..65535 (or -1: no gRPC)");
            }
        }
        return new InferenceServer.Config(
                deployment,
                task.model(),
                task.version(),
                bind,
                task.port(),
                grpcPort,
                positive(task.maxBodyBytes(), DEFAULT_MAX_BODY_BYTES, "maxBodyBytes"),
                positive(task.maxRowsPerRequest(), DEFAULT_MAX_ROWS, "maxRowsPerRequest"),
                positive(task.feedbackWindow(), DEFAULT_FEEDBACK_WINDOW, "feedbackWindow"),
                threads);
    }

    static int drainSeconds(Map<String, String> env) {
        String v = env.get(DRAIN_ENV);
        if (v == null) {
            return 5;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the refusal
        }
        throw TaskFailure.invalid(
                "InvalidTask", DRAIN_ENV + " '" + v + "' is not a number of seconds >= 0");
    }

    private static int positive(int value, int fallback, String field) {
        if (value < 0) {
            throw TaskFailure.invalid("InvalidTask", field + " " + value + " is negative");
        }
        return value == 0 ? fallback : value;
    }

    /** Serves until the JVM is asked to stop; the summary is written by the shutdown path. */
    static Summary run(
            ServeTask task, Map<String, String> env, Callable<? extends ServingModel> loader) {
        InferenceServer.Config config = config(task, env);
        int drainSeconds = drainSeconds(env);
        ModelSlot slot = new ModelSlot();
        InferenceServer server =
                new InferenceServer(config, slot, task.online(), task.requestLog(), env);
        start(server, config);
        CountDownLatch stop = stopOnShutdown(drainSeconds);
        loadInBackground(slot, loader, config);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println(
                "mlcycle-server stopping: not ready, serving " + drainSeconds + " s more");
        System.out.flush();
        server.drain();
        try {
            Thread.sleep(drainSeconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(GRACE_SECONDS);
        if (slot.state() == ModelSlot.State.FAILED) {
            return Summary.failure(
                    Summary.Outcome.Failed,
                    "ModelLoadFailed",
                    "model never loaded: " + slot.error());
        }
        return Summary.succeeded(null, Map.of(), null);
    }

    /** Binds, then prints the port line local mode and tests read. */
    private static void start(InferenceServer server, InferenceServer.Config config) {
        try {
            server.start();
        } catch (IOException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "BindFailed",
                    "cannot listen on "
                            + config.bindAddress()
                            + ":"
                            + config.port()
                            + (config.grpcPort() > 0 ? " and gRPC port " + config.grpcPort() : "")
                            + ": "
                            + e);
        }
        // the port line is how local mode and tests find a server started with port 0
        System.out.println(
                "mlcycle-server listening on "
                        + config.bindAddress()
                        + ":"
                        + server.port()
                        + " model "
                        + config.model()
                        + " version "
                        + config.version()
                        + (server.grpcPort() >= 0 ? " grpc " + server.grpcPort() : ""));
        System.out.flush();
    }

    /** A latch the shutdown hook opens; the hook then waits for the summary. */
    private static CountDownLatch stopOnShutdown(int drainSeconds) {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook =
                new Thread(
                        () -> {
                            stop.countDown();
                            try {
                                // the JVM ends when hooks return: let the serving thread drain
                                // requests and write its summary first
                                REPORTED.await(drainSeconds + GRACE_SECONDS + 2, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "mlcycle-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return stop;
    }

    private static void loadInBackground(
            ModelSlot slot,
            Callable<? extends ServingModel> loader,
            InferenceServer.Config config) {
        Thread loading =
                new Thread(
                        () -> {
                            long t0 = System.nanoTime();
                            if (slot.load(loader)) {
                                System.out.printf(
                                        "mlcycle-server ready: model %s version %d, %d features,"
                                                + " loaded in %.2f s%n",
                                        config.model(),
                                        config.version(),
                                        slot.loaded().numFeatures(),
                                        (System.nanoTime() - t0) / 1e9);
                                System.out.flush();
                            }
                        },
                        "mlcycle-model-loader");
        loading.setDaemon(true);
        loading.start();
    }
}
