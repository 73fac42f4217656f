package io.mlcycle.task;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What a finished runtime reports through its termination message (at most {@link #MAX_BYTES}).
 * Full results live next to the data at {@code uri}; this is the part the operator copies into
 * status.
 *
 * @param outcome how the task ended
 * @param reason CamelCase reason for a condition, e.g. MissingColumn
 * @param message a sentence for a person, naming the field or value at fault
 * @param uri where the full output is (feature table, model artifact, scores)
 * @param figures the numbers a person wants at a glance (rows, entities, features, sparsity, auc…)
 * @param details small lists: missing partitions, top features, confusion matrix…
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Summary(
        Outcome outcome,
        String reason,
        String message,
        String uri,
        Map<String, Double> figures,
        Map<String, Object> details) {

    /** The kubelet keeps at most 4 KiB of a termination message. */
    public static final int MAX_BYTES = 4096;

    /** How a task ended; each maps to one process exit code. */
    public enum Outcome {
        Succeeded(0),
        Failed(1),
        Invalid(2),
        WaitingForData(3),
        ValidationFailed(4);

        private final int exitCode;

        Outcome(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public static Summary succeeded(
            String uri, Map<String, Double> figures, Map<String, Object> details) {
        return new Summary(Outcome.Succeeded, "Succeeded", null, uri, figures, details);
    }

    public static Summary failure(Outcome outcome, String reason, String message) {
        return new Summary(outcome, reason, message, null, null, null);
    }

    /** Convenience for details holding a list, e.g. missing partitions. */
    public static Map<String, Object> details(String key, List<?> values) {
        return Map.of(key, values);
    }
}
