package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.ServeTask;
import io.prometheus.metrics.core.metrics.Counter;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request side of the request log: samples scored rows (an unsampled row costs one random
 * draw), copies what the model saw into a bounded queue and returns at once. A full queue drops the
 * row and counts it; nothing here waits, throws into a request or touches the disk ({@link
 * RequestLogWriter} does, on its own thread).
 */
final class RequestLog implements AutoCloseable {

    /**
     * One logged line: a scored row (the prediction id, when, the score and the row's non-zero
     * features), or the feedback for a prediction id ({@code names} null, {@code actual} 0 or 1).
     */
    record Row(
            String id,
            long timeMillis,
            float score,
            String entity,
            List<String> names,
            int[] cols,
            float[] values,
            int actual) {

        boolean feedback() {
            return names == null;
        }
    }

    private final double sampleRate;
    private final ArrayBlockingQueue<Row> queue;
    private final int wakeBelow;
    private final Counter rows;
    private final RequestLogWriter writer;

    private RequestLog(
            ServeTask.RequestLog spec,
            Counter rows,
            RequestLogWriter.Target target,
            long roundNanos) {
        this.sampleRate = spec.sampleRate();
        this.queue = new ArrayBlockingQueue<>(spec.maxQueuedRows());
        this.wakeBelow = spec.maxQueuedRows() / 2;
        this.rows = rows;
        this.writer = new RequestLogWriter(spec, queue, rows, target, roundNanos);
    }

    /**
     * The log a task asks for, its writer started; null when the task has none. Refuses a spec with
     * a missing or out-of-range field, naming it.
     */
    static RequestLog open(
            ServeTask.RequestLog spec, InferenceServer.Config config, ServerMetrics metrics) {
        if (spec == null) {
            return null;
        }
        check(spec);
        RequestLogWriter.Target target =
                RequestLogWriter.Target.of(spec.uri(), config.version(), writerName());
        return start(spec, metrics.requestLog(), target, RequestLogWriter.ROUND_NANOS);
    }

    /** A checked log whose writer, started, rounds every {@code roundNanos} when not woken. */
    static RequestLog start(
            ServeTask.RequestLog spec,
            Counter rows,
            RequestLogWriter.Target target,
            long roundNanos) {
        RequestLog log = new RequestLog(spec, rows, target, roundNanos);
        log.writer.start();
        return log;
    }

    /** Rows waiting for the writer's next round. */
    int queued() {
        return queue.size();
    }

    /** Whether the writer sleeps between rounds now (nothing woke it, nothing is being written). */
    boolean writerAsleep() {
        return writer.asleep();
    }

    static void check(ServeTask.RequestLog spec) {
        if (spec.uri() == null || spec.uri().isBlank()) {
            throw TaskFailure.invalid("InvalidTask", "requestLog.uri is missing");
        }
        if (!(spec.sampleRate() > 0 && spec.sampleRate() <= 1)) {
            throw TaskFailure.invalid(
                    "InvalidTask",
                    "requestLog.sampleRate " + spec.sampleRate() + " is not in (0, 1]");
        }
        if (spec.maxFileBytes() < 1) {
            throw TaskFailure.invalid(
                    "InvalidTask",
                    "requestLog.maxFileBytes " + spec.maxFileBytes() + " is not > 0");
        }
        if (spec.maxAgeSeconds() < 1) {
            throw TaskFailure.invalid(
                    "InvalidTask",
                    "requestLog.maxAgeSeconds " + spec.maxAgeSeconds() + " is not > 0");
        }
        if (spec.maxQueuedRows() < 1) {
            throw TaskFailure.invalid(
                    "InvalidTask",
                    "requestLog.maxQueuedRows " + spec.maxQueuedRows() + " is not > 0");
        }
    }

    /** The pod's name where Kubernetes set it, so two replicas never write the same file. */
    private static String writerName() {
        String host = System.getenv("HOSTNAME");
        String name = host == null || host.isBlank() ? "server" : host;
        return name.replaceAll("[^A-Za-z0-9._-]", "_")
                + "-"
                + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
    }

    /**
     * Offers the scored rows of one request: row {@code r} of {@code m} scored {@code p[r]} under
     * {@code ids[r]} (an empty id: not scored, not logged).
     *
     * @param entities whether the rows were looked up by entity id (each row's entity is logged)
     */
    void offer(List<String> names, SparseMatrix m, float[] p, String[] ids, boolean entities) {
        long now = 0;
        for (int r = 0; r < ids.length; r++) {
            if (sampleRate < 1 && ThreadLocalRandom.current().nextDouble() >= sampleRate) {
                continue;
            }
            if (ids[r] == null || ids[r].isEmpty()) {
                continue;
            }
            if (now == 0) {
                now = System.currentTimeMillis();
            }
            int from = m.rowPtr()[r];
            int to = m.rowPtr()[r + 1];
            enqueue(
                    new Row(
                            ids[r],
                            now,
                            p[r],
                            entities ? m.entities()[r] : null,
                            names,
                            Arrays.copyOfRange(m.cols(), from, to),
                            Arrays.copyOfRange(m.values(), from, to),
                            -1));
        }
    }

    /**
     * Hands a row to the writer without waiting: a full queue drops it (counted); past half the
     * queue the writer is woken, otherwise it takes the row on its next round.
     */
    private void enqueue(Row row) {
        if (!queue.offer(row)) {
            rows.labelValues("dropped").inc();
        } else if (queue.remainingCapacity() <= wakeBelow) {
            writer.wake();
        }
    }

    /**
     * Offers accepted feedback, every one (a replay joins it onto the logged rows by prediction id;
     * feedback for a row the sample left out joins nothing).
     */
    void feedback(String predictionId, int actual) {
        Row row =
                new Row(
                        predictionId,
                        System.currentTimeMillis(),
                        0,
                        null,
                        null,
                        null,
                        null,
                        actual);
        enqueue(row);
    }

    /** Writes what is queued, publishes the open file and stops the writer. */
    @Override
    public void close() {
        writer.close();
    }
}
