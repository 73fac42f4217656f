package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.Storage;
import io.mlcycle.common.Uris;
import io.mlcycle.task.Layout;
import io.mlcycle.task.ServeTask;
import io.prometheus.metrics.core.metrics.Counter;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The request log's own thread: in rounds, writes the queued rows as gzipped JSON lines to a local
 * spool file, closes it by size or age and publishes it under the log's directory. A file that
 * cannot be written or published is counted as failed rows and the log goes on with the next one.
 */
final class RequestLogWriter implements AutoCloseable {

    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * How long the writer sleeps between rounds when nothing wakes it: rows wait in the queue up to
     * this long (a file closes by age up to this late), and a round writes all of them, so the
     * thread wakes about once a second whatever the rate instead of once per row (a timed wake-up
     * alone cost this 2-core VM some 50-100 us of CPU).
     */
    static final long ROUND_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Where finished files go: a directory ({@code file://}) or an S3 prefix. */
    record Target(String uri, Path dir, ObjectDirs.Location s3, int version, String writer) {

        static Target of(String uri, int version, String writer) {
            if (Storage.isS3(uri)) {
                return new Target(
                        uri, null, Storage.locate(uri, "requestLog.uri"), version, writer);
            }
            return new Target(uri, Uris.toPath(uri, "requestLog.uri"), null, version, writer);
        }

        /** Puts a finished spool file under {@code rel} so readers see it whole or not at all. */
        void publish(Path spool, String rel) throws IOException {
            if (s3 != null) {
                s3.store().put(spool, s3.prefix() + rel);
                return;
            }
            Path to = dir.resolve(rel);
            Files.createDirectories(to.getParent());
            Path tmp = to.resolveSibling("." + to.getFileName() + ".tmp");
            Files.copy(spool, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private final ServeTask.RequestLog spec;
    private final BlockingQueue<RequestLog.Row> queue;
    private final Counter rows;
    private final Target target;
    private final long roundNanos;
    private final Thread thread;
    private volatile boolean closing;

    private Path spoolDir;
    private Open open;
    private int seq;

    /** The file being written: where, since when, how many rows and bytes went in. */
    private static final class Open {
        final Path path;
        final long startMillis;
        final CountingStream counted;
        final JsonGenerator json;
        long rows;

        Open(Path path, long startMillis) throws IOException {
            this.path = path;
            this.startMillis = startMillis;
            this.counted =
                    new CountingStream(
                            new FastGzip(
                                    new BufferedOutputStream(
                                            Files.newOutputStream(path), 1 << 16)));
            this.json = JSON.createGenerator(counted, JsonEncoding.UTF8);
            json.setRootValueSeparator(null);
        }
    }

    RequestLogWriter(
            ServeTask.RequestLog spec,
            BlockingQueue<RequestLog.Row> queue,
            Counter rows,
            Target target,
            long roundNanos) {
        this.spec = spec;
        this.queue = queue;
        this.rows = rows;
        this.target = target;
        this.roundNanos = roundNanos;
        this.thread = new Thread(this::run, "mlcycle-request-log");
        thread.setDaemon(true);
        for (String outcome : new String[] {"logged", "dropped", "failed"}) {
            rows.labelValues(outcome);
        }
    }

    void start() {
        thread.start();
    }

    /**
     * Wakes the writer before its next round (the queue is filling up); the request side calls this
     * only past half the queue, so an ordinary row costs the event loop no wake-up.
     */
    void wake() {
        LockSupport.unpark(thread);
    }

    /** Whether the thread is parked between rounds (the only place it waits with a timeout). */
    boolean asleep() {
        return thread.getState() == Thread.State.TIMED_WAITING;
    }

    /**
     * Every round ({@link #ROUND_NANOS} in a server) or when woken takes all queued rows at once,
     * writes them and rotates the file by size (after each row) and age.
     */
    private void run() {
        List<RequestLog.Row> batch = new ArrayList<>();
        while (true) {
            boolean last = closing;
            queue.drainTo(batch);
            long now = System.currentTimeMillis();
            for (RequestLog.Row row : batch) {
                write(row, now);
                if (open != null
                        && open.counted.count + open.json.getOutputBuffered()
                                >= spec.maxFileBytes()) {
                    finish();
                }
            }
            batch.clear();
            if (open != null && now - open.startMillis >= spec.maxAgeSeconds() * 1000L) {
                finish();
            }
            if (last && queue.isEmpty()) {
                break;
            }
            if (queue.isEmpty()) {
                LockSupport.parkNanos(this, roundNanos);
            }
            if (Thread.interrupted()) {
                closing = true;
            }
        }
        finish();
    }

    private void write(RequestLog.Row row, long now) {
        try {
            if (open == null) {
                if (spoolDir == null) {
                    spoolDir = Files.createTempDirectory("mlcycle-request-log-");
                }
                open = new Open(spoolDir.resolve("spool-" + seq + ".jsonl.gz"), now);
            }
            JsonGenerator g = open.json;
            g.writeStartObject();
            g.writeStringField("id", row.id());
            g.writeStringField("time", Instant.ofEpochMilli(row.timeMillis()).toString());
            if (row.feedback()) {
                g.writeNumberField("actual", row.actual());
            } else {
                scored(g, row);
            }
            g.writeEndObject();
            g.writeRaw('\n');
            open.rows++;
        } catch (IOException | RuntimeException e) {
            rows.labelValues("failed").inc();
            fail("cannot write the request log spool file", e);
        }
    }

    /** The fields of a scored row: version, score, entity (by entity id), non-zero features. */
    private void scored(JsonGenerator g, RequestLog.Row row) throws IOException {
        g.writeNumberField("version", target.version());
        g.writeNumberField("score", row.score());
        if (row.entity() != null) {
            g.writeStringField("entity", row.entity());
        }
        g.writeObjectFieldStart("features");
        for (int k = 0; k < row.cols().length; k++) {
            g.writeFieldName(row.names().get(row.cols()[k]));
            float v = row.values()[k];
            // a count as an integer: the same value, without formatting a float
            if (v == (int) v && Math.abs(v) < (1 << 24)) {
                g.writeNumber((int) v);
            } else {
                g.writeNumber(v);
            }
        }
        g.writeEndObject();
    }

    /** Closes the open file and publishes it; its rows count as logged or failed. */
    private void finish() {
        if (open == null) {
            return;
        }
        Open done = open;
        open = null;
        String rel =
                Layout.requestLogFile(
                        target.version(),
                        DAY.format(Instant.ofEpochMilli(done.startMillis)),
                        done.startMillis,
                        target.writer(),
                        seq++);
        try {
            done.json.close();
            target.publish(done.path, rel);
            rows.labelValues("logged").inc(done.rows);
        } catch (IOException | RuntimeException e) {
            rows.labelValues("failed").inc(done.rows);
            System.err.println(
                    "mlcycle-server: request log file "
                            + target.uri()
                            + rel
                            + " lost ("
                            + done.rows
                            + " rows): "
                            + e);
        } finally {
            try {
                Files.deleteIfExists(done.path);
            } catch (IOException ignored) {
                // a temporary file; the next publish does not depend on it
            }
        }
    }

    private void fail(String what, Exception e) {
        System.err.println("mlcycle-server: " + what + ": " + e);
        if (open != null) {
            rows.labelValues("failed").inc(open.rows);
            try {
                open.json.close();
            } catch (IOException | RuntimeException ignored) {
                // the file is dropped either way
            }
            try {
                Files.deleteIfExists(open.path);
            } catch (IOException ignored) {
                // nothing more to lose
            }
            open = null;
        }
    }

    /** Stops taking rows, writes what is queued and publishes the last file. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gzip at level 1: on the benchmark's logged rows (268 bytes of JSON each) 41.5 bytes and about
     * 1.1 us of CPU per row, against 31.1 bytes and 5.0 us at the default level 6.
     */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /** Counts the uncompressed bytes a file took, for rotation by size. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
