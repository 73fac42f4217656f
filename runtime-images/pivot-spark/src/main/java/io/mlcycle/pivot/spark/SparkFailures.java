package io.mlcycle.pivot.spark;

import io.mlcycle.common.S3Settings;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.pivot.WhereFilter;
import io.mlcycle.task.Summary;
import org.apache.spark.sql.AnalysisException;

import java.nio.file.Path;
import java.util.List;

/** Maps what Spark throws to the task outcomes the DuckDB engine reports for the same input. */
final class SparkFailures {

    private SparkFailures() {}

    /**
     * One file Spark reads: {@code read} as Spark names it (a path, or {@code s3a://}), {@code
     * shown} as the user wrote it ({@code file://}, {@code s3://}).
     */
    record Input(String read, String shown, String rawPath) {

        static Input of(Path f) {
            return new Input(f.toString(), Uris.fileUri(f, false), f.toUri().getRawPath());
        }

        static Input ofObject(String s3Uri) {
            String read = SparkS3.s3a(s3Uri);
            return new Input(read, s3Uri, read);
        }

        boolean namedIn(String text) {
            return text.contains(read)
                    || text.contains(rawPath)
                    || text.contains(read.substring(read.lastIndexOf('/') + 1));
        }
    }

    /**
     * A failure naming the file when Spark's error points at one (an S3A error there: the storage
     * reasons of the driver's client, with {@code s3}'s credentials source), else the query
     * failure.
     */
    static TaskFailure of(Exception e, List<Input> inputs, S3Settings s3) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null && all.length() < 20_000; t = t.getCause()) {
            all.append(t).append('\n');
        }
        String text = all.toString();
        String first = WhereFilter.firstLine(rootMessage(e));
        for (Input f : inputs) {
            if (f.namedIn(text)) {
                TaskFailure storage = s3 == null ? null : SparkS3.failure(text, f.shown(), s3);
                return storage != null
                        ? storage
                        : TaskFailure.invalid(
                                "CorruptFile",
                                "cannot read " + f.shown() + ": " + SparkS3.s3(first));
            }
        }
        if (s3 != null) {
            TaskFailure storage = SparkS3.failure(text, "s3:// storage", s3);
            if (storage != null) {
                return storage;
            }
        }
        if (e instanceof AnalysisException) {
            return TaskFailure.invalid("InvalidSource", first);
        }
        return new TaskFailure(Summary.Outcome.Failed, "QueryFailed", first);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.toString() : m;
    }
}
