package io.mlcycle.server;

import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.UnitTier;
import io.prometheus.metrics.core.metrics.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request log's writer works in rounds: a row below half the queue waits for the next round (no
 * wake-up per row), past half the writer is woken at once, a file closes by age within a round of
 * its limit, and closing writes everything queued.
 */
@UnitTier
class RequestLogRoundsTest {

    private static final long NEVER = TimeUnit.HOURS.toNanos(1);

    private final Counter rows =
            Counter.builder().name("test_request_log_rows").labelNames("outcome").build();
    private RequestLog log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    private RequestLog start(Path dir, int maxAgeSeconds, int maxQueuedRows, long roundNanos)
            throws InterruptedException {
        ServeTask.RequestLog spec =
                new ServeTask.RequestLog(
                        dir.toUri().toString(), 1.0, 1 << 20, maxAgeSeconds, maxQueuedRows);
        log =
                RequestLog.start(
                        spec, rows, RequestLogWriter.Target.of(spec.uri(), 3, "test"), roundNanos);
        await("the writer to sleep between rounds", log::writerAsleep, () -> "awake");
        return log;
    }

    private void feedback(int from, int to) {
        for (int i = from; i < to; i++) {
            log.feedback("p-" + i, i % 2);
        }
    }

    private double count(String outcome) {
        return rows.labelValues(outcome).get();
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".jsonl.gz")).toList();
        }
    }

    private static void await(String what, BooleanSupplier done, Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what + "; now: " + state.get());
            }
            Thread.sleep(10);
        }
    }

    @Test
    void rowsBelowHalfTheQueueWaitForTheRoundAndPastHalfWakeTheWriterAtOnce(@TempDir Path dir)
            throws InterruptedException {
        start(dir, 3600, 100, NEVER);
        feedback(0, 49);
        Thread.sleep(300);
        // the round is an hour away: a writer woken by any of these rows would have taken them
        assertThat(log.queued()).isEqualTo(49);
        assertThat(log.writerAsleep()).isTrue();

        feedback(49, 51);
        await(
                "the writer, woken past half the queue, to take every row",
                () -> log.queued() == 0,
                () -> log.queued() + " rows queued");
        log.close();
        assertThat(count("logged")).isEqualTo(51);
        assertThat(count("dropped")).isZero();
    }

    @Test
    void aRoundTakesQueuedRowsWithoutAWakeUp(@TempDir Path dir) throws InterruptedException {
        start(dir, 3600, 100, TimeUnit.MILLISECONDS.toNanos(100));
        feedback(0, 5);
        await(
                "the next round to take the rows",
                () -> log.queued() == 0,
                () -> log.queued() + " rows queued");
    }

    @Test
    void aFileClosesByAgeWithinARoundOfItsLimitWhileTheLogStaysOpen(@TempDir Path dir)
            throws IOException, InterruptedException {
        start(dir, 1, 100, TimeUnit.MILLISECONDS.toNanos(100));
        long offered = System.nanoTime();
        feedback(0, 3);
        await(
                "a file closed by age to be published",
                () -> count("logged") == 3,
                () -> count("logged") + " rows logged");
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - offered);
        // the file opened when its first row was written, after the offer: never before its age
        assertThat(afterMillis).isGreaterThanOrEqualTo(950);
        assertThat(files(dir)).hasSize(1);
    }

    @Test
    void closingWritesEveryQueuedRowWithoutWaitingForTheRound(@TempDir Path dir)
            throws IOException, InterruptedException {
        start(dir, 3600, 100, NEVER);
        feedback(0, 10);
        // close waits at most 10 s for the writer; its round is an hour away
        log.close();
        assertThat(count("logged")).isEqualTo(10);
        assertThat(files(dir)).hasSize(1);
    }
}
