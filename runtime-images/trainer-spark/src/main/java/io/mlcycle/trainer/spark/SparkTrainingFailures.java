package io.mlcycle.trainer.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;

import java.util.Locale;

/** Spark's and XGBoost4J-Spark's failures as the summary reasons the operator shows. */
final class SparkTrainingFailures {

    /** Spark's message when a barrier stage needs more task slots than the executors offer. */
    static final String BARRIER_SLOTS = "barrier stage that requires more slots";

    private SparkTrainingFailures() {}

    static TaskFailure of(Exception e, int workers) {
        if (e instanceof TaskFailure f) {
            return f;
        }
        String chain = messages(e);
        if (chain.contains(BARRIER_SLOTS.toLowerCase(Locale.ROOT))) {
            return new TaskFailure(
                    Summary.Outcome.Failed,
                    "ExecutorsUnavailable",
                    "XGBoost on Spark trains in barrier mode and needs all "
                            + workers
                            + " workers (executor instances x cores) running at once, but fewer"
                            + " task slots started: lower spec.spark.executor.instances or"
                            + " .cores, or give the cluster room to start them all at once (a gang"
                            + " scheduler such as Volcano or YuniKorn)");
        }
        return new TaskFailure(Summary.Outcome.Failed, "SparkFailed", firstLine(e));
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)).append('\n');
        }
        return b.toString();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }
}
