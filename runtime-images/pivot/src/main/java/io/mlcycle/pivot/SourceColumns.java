package io.mlcycle.pivot;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PivotTask;

import java.util.Map;

/**
 * The source columns a task names, each checked against the source's {@code columns} (a missing one
 * fails naming its field); {@code value} and {@code time} are null when not given.
 */
public record SourceColumns(String entity, String key, String value, String time) {

    public static SourceColumns of(Map<String, String> columns, PivotTask task) {
        PivotTask.Pivot p = task.pivot();
        String time = Partitions.blankToNull(task.source().timeColumn());
        return new SourceColumns(
                requireColumn(columns, task.entity(), "entity"),
                requireColumn(columns, p.key(), "pivot.key"),
                p.value() == null || p.value().isBlank()
                        ? null
                        : requireColumn(columns, p.value(), "pivot.value"),
                time == null ? null : requireColumn(columns, time, "source.timeColumn"));
    }

    static String requireColumn(Map<String, String> columns, String name, String field) {
        if (name == null || !columns.containsKey(name)) {
            throw TaskFailure.invalid(
                    "MissingColumn",
                    field
                            + " column '"
                            + name
                            + "' not found in the source; its columns: "
                            + String.join(", ", columns.keySet()));
        }
        return name;
    }
}
