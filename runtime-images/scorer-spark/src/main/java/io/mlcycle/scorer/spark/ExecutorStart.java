package io.mlcycle.scorer.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import org.apache.spark.SparkContext;

import java.util.function.IntSupplier;

/**
 * Waits on a cluster master ({@code k8s://}) for the first executor before scoring, so that
 * executors that never start (no room for them, an image the kubelet cannot run) end the run with
 * ExecutorsUnavailable naming the settings to change, where Spark alone would wait forever.
 */
final class ExecutorStart {

    /** Seconds to wait for the first executor ({@code sparkConf}). */
    static final String TIMEOUT_CONF = "spark.mlcycle.executorStartTimeoutSeconds";

    static final long DEFAULT_TIMEOUT_SECONDS = 300;

    private ExecutorStart() {}

    /** Waits for one executor when the master is a cluster's; a local master has its own. */
    static void await(SparkContext sc) {
        if (!sc.master().startsWith("k8s://")) {
            return;
        }
        long timeout = sc.getConf().getLong(TIMEOUT_CONF, DEFAULT_TIMEOUT_SECONDS);
        // the driver is one of the executor infos
        await(() -> sc.statusTracker().getExecutorInfos().length - 1, timeout * 1000, 1000);
    }

    /** Polls {@code executors} until it is positive; ExecutorsUnavailable after the timeout. */
    static void await(IntSupplier executors, long timeoutMillis, long pollMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (executors.getAsInt() <= 0) {
            if (System.currentTimeMillis() >= deadline) {
                throw new TaskFailure(
                        Summary.Outcome.Failed,
                        "ExecutorsUnavailable",
                        "no Spark executor started within "
                                + (timeoutMillis / 1000)
                                + "s: check "
                                + SparkScore.SETTINGS
                                + " and the executor pods' events");
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TaskFailure(
                        Summary.Outcome.Failed, "Interrupted", "interrupted waiting for executors");
            }
        }
    }
}
