package io.mlcycle.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The driver's view of its executors on a cluster master ({@code k8s://}), so that executors that
 * never start end the run with a reason naming the setting to change instead of a driver that waits
 * forever or exits without a summary: {@link #awaitFirst} fails the task when no executor
 * registered within {@link #START_TIMEOUT}; when Spark itself gives up (more executor failures than
 * {@code spark.executor.maxNumFailures}: it exits the JVM), the shutdown hook leaves the summary in
 * the termination message.
 */
public final class ExecutorWatch extends SparkListener {

    /**
     * What a runtime runs, for the messages: {@code job} ("the pivot"), the {@code settings} a
     * person changes, the reason when no executor registers in time, and how long that is by
     * default ({@link #START_TIMEOUT} overrides it).
     */
    public record Job(String job, String settings, String notStarted, String defaultTimeout)
            implements java.io.Serializable {}

    private final Job job;

    private final AtomicInteger added = new AtomicInteger();
    private final AtomicInteger removed = new AtomicInteger();
    private final AtomicReference<String> lastLoss = new AtomicReference<>();
    private volatile boolean finished;

    /** Whether executors come from a cluster manager (not the driver's own local master). */
    public static boolean cluster(SparkConf conf) {
        return conf.get("spark.master", "local").startsWith("k8s://");
    }

    /**
     * A watch whose shutdown hook reports a driver that ends before the task (add it as listener).
     */
    public static ExecutorWatch install(String[] args, Job job) {
        ExecutorWatch watch = new ExecutorWatch(job);
        String result = resultFile(args);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> watch.onExit(result), "executor-watch"));
        return watch;
    }

    public ExecutorWatch(Job job) {
        this.job = job;
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded added) {
        this.added.incrementAndGet();
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        this.removed.incrementAndGet();
        lastLoss.set("executor " + removed.executorId() + ": " + removed.reason());
    }

    /** Called once the task's summary is written: nothing left to report on exit. */
    public void finished() {
        finished = true;
    }

    /**
     * Spark has no deadline for a first executor (pods may wait for a node, an image, a gang): this
     * one, default 10 minutes, set in sparkConf.
     */
    public static final String START_TIMEOUT = "spark.mlcycle.executorStartTimeout";

    /**
     * Waits until one executor registered, for {@link #START_TIMEOUT} (default the job's).
     *
     * @throws TaskFailure the job's not-started reason, naming the executor settings
     */
    public void awaitFirst(SparkContext sc) {
        awaitFirst(sc, sc.getConf().getTimeAsMs(START_TIMEOUT, job.defaultTimeout()));
    }

    /** {@link #awaitFirst(SparkContext)} for {@code waitMs}. */
    public void awaitFirst(SparkContext sc, long waitMs) {
        long until = System.currentTimeMillis() + waitMs;
        while (sc.statusTracker().getExecutorInfos().length <= 1) {
            if (System.currentTimeMillis() > until) {
                throw new TaskFailure(
                        Summary.Outcome.Failed,
                        job.notStarted(),
                        "no Spark executor registered with the driver within "
                                + waitMs / 1000
                                + " s ("
                                + START_TIMEOUT
                                + ") of "
                                + sc.getConf().get("spark.executor.instances", "?")
                                + " requested (spark.executor.instances)"
                                + lossDetail()
                                + ": check the executor pods' events and logs and "
                                + job.settings());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String lossDetail() {
        String last = lastLoss.get();
        return removed.get() == 0 ? "" : "; " + removed.get() + " executors lost, the last " + last;
    }

    /** The summary of a driver Spark stops before the task finished (executor failures). */
    private void onExit(String resultFile) {
        if (finished || resultFile == null) {
            return;
        }
        Summary summary =
                Summary.failure(
                        Summary.Outcome.Failed,
                        "ExecutorsFailed",
                        "the Spark driver exited before "
                                + job.job()
                                + " finished, as it does after"
                                + " spark.executor.maxNumFailures executor failures (executor pods"
                                + " that cannot start or die count): "
                                + added.get()
                                + " executors registered, "
                                + removed.get()
                                + " lost"
                                + (lastLoss.get() == null ? "" : " (last: " + lastLoss.get() + ")")
                                + "; check the executor pods' status and logs and "
                                + job.settings());
        try {
            Files.writeString(
                    Path.of(resultFile), TaskJson.writeSummary(summary), StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("cannot write result to " + resultFile + ": " + e);
        }
    }

    /** Where RuntimeMain writes the summary: {@code --result}, else the termination log. */
    static String resultFile(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--result")) {
                return args[i + 1];
            }
        }
        return Files.isWritable(Path.of(TaskJson.TERMINATION_LOG))
                ? TaskJson.TERMINATION_LOG
                : null;
    }
}
