package io.mlcycle.common;

import io.mlcycle.task.Summary;

/** A task ended in a way the operator must show a person: carries the outcome and a reason. */
public class TaskFailure extends RuntimeException {

    private final Summary.Outcome outcome;
    private final String reason;
    private final transient Object details;

    public TaskFailure(Summary.Outcome outcome, String reason, String message) {
        this(outcome, reason, message, null);
    }

    public TaskFailure(Summary.Outcome outcome, String reason, String message, Object details) {
        super(message);
        this.outcome = outcome;
        this.reason = reason;
        this.details = details;
    }

    /** Bad task or bad input data: retrying the same task cannot help. */
    public static TaskFailure invalid(String reason, String message) {
        return new TaskFailure(Summary.Outcome.Invalid, reason, message);
    }

    public Summary.Outcome outcome() {
        return outcome;
    }

    public String reason() {
        return reason;
    }

    /** Optional small detail (for example the missing partitions) for the summary. */
    public Object details() {
        return details;
    }
}
