package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Summary;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/**
 * How a pivot fails, for every engine alike: each failure a {@link TaskFailure} with a reason and a
 * message naming the field, file or value at fault.
 */
public final class PivotFailures {

    private PivotFailures() {}

    /** The {@code pivot.value} column holds {@code sample}, which is no number. */
    public static TaskFailure nonNumeric(String value, String sample) {
        return TaskFailure.invalid(
                "NonNumericValue",
                "pivot.value column '"
                        + value
                        + "' holds a non-numeric value '"
                        + abbreviate(sample)
                        + "'");
    }

    /** The {@code pivot.value} column's type is no number type. */
    public static TaskFailure notNumeric(String value, String type) {
        return TaskFailure.invalid(
                "NonNumericValue",
                "pivot.value column '" + value + "' has type " + type + ", not a number");
    }

    /** Fails EmptySource when the window's partitions hold no data file. */
    public static void requireFiles(PivotTask task, Partitions.Resolved resolved) {
        if (resolved.count() == 0) {
            throw TaskFailure.invalid(
                    "EmptySource",
                    "no "
                            + Partitions.format(task.source().format())
                            + " files in the "
                            + resolved.partitions()
                            + " partition(s) of source.uri "
                            + task.source().uri());
        }
    }

    /** The source read no row (for a file source: in the window's partitions). */
    public static TaskFailure noSourceRows(Partitions.Resolved resolved) {
        return TaskFailure.invalid(
                "EmptySource",
                "the source has no rows"
                        + (resolved == null
                                ? ""
                                : " in the "
                                        + resolved.partitions()
                                        + " partition(s) of the window"));
    }

    /** Names the file when DuckDB's error points at one, else reports the query failure. */
    public static TaskFailure failure(SQLException e, List<Path> files) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (msg.contains("max_temp_directory_size")) {
            return scratchExceeded(msg);
        }
        for (Path f : files) {
            if (msg.contains(f.toString()) || msg.contains(f.getFileName().toString())) {
                return corrupt(f, e);
            }
        }
        if (msg.contains("Conversion Error") || msg.contains("Could not convert")) {
            return TaskFailure.invalid("NonNumericValue", WhereFilter.firstLine(msg));
        }
        return new TaskFailure(Summary.Outcome.Failed, "QueryFailed", WhereFilter.firstLine(msg));
    }

    /**
     * DuckDB's spill to disk reached {@code MLCYCLE_STAGE_MAX_BYTES}: fail naming the limit before
     * the pod's scratch space fills and the kubelet evicts it.
     */
    static TaskFailure scratchExceeded(String msg) {
        return new TaskFailure(
                Summary.Outcome.Failed,
                "ScratchSpaceExceeded",
                "the pivot spilled more to disk than "
                        + PodEnv.STAGE_MAX_BYTES
                        + " allows (the pod's scratch space, mlcycle.runtime.scratch-size-limit):"
                        + " give the pod more scratch space or more memory ("
                        + PodEnv.PIVOT_MEMORY_LIMIT
                        + "); DuckDB: "
                        + WhereFilter.firstLine(msg));
    }

    static TaskFailure corrupt(Path file, SQLException e) {
        return TaskFailure.invalid(
                "CorruptFile",
                "cannot read "
                        + Uris.fileUri(file, false)
                        + ": "
                        + WhereFilter.firstLine(e.getMessage()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
