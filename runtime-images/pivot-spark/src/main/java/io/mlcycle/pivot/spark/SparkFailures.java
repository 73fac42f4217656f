package io.mlcycle.pivot.spark;

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

    /** A failure naming the file when Spark's error points at one, else the query failure. */
    static TaskFailure of(Exception e, List<Path> files) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null && all.length() < 20_000; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        String text = all.toString();
        String first = WhereFilter.firstLine(rootMessage(e));
        for (Path f : files) {
            if (text.contains(f.toString())
                    || text.contains(f.toUri().getRawPath())
                    || text.contains(f.getFileName().toString())) {
                return TaskFailure.invalid(
                        "CorruptFile", "cannot read " + Uris.fileUri(f, false) + ": " + first);
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
