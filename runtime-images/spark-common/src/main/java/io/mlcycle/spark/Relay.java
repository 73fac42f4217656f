package io.mlcycle.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link TaskFailure} thrown on an executor brought back to the driver as itself (outcome,
 * reason, message): Spark hands the driver an executor's exception as text only.
 */
public final class Relay {

    private Relay() {}

    /** What an executor computes. */
    public interface Step<T> {
        T get() throws IOException;
    }

    /** Runs {@code step} on an executor, its TaskFailure carried in the exception's text. */
    public static <T> T relayed(Step<T> step) throws IOException {
        try {
            return step.get();
        } catch (TaskFailure f) {
            throw new RelayedFailure(f);
        }
    }

    /** The TaskFailure in {@code e}'s causes, thrown here or relayed from an executor. */
    public static Optional<TaskFailure> taskFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TaskFailure f) {
                return Optional.of(f);
            }
            Matcher m = RelayedFailure.TEXT.matcher(t.getMessage() == null ? "" : t.getMessage());
            if (m.find()) {
                return Optional.of(
                        new TaskFailure(
                                Summary.Outcome.valueOf(m.group(1)), m.group(2), m.group(3)));
            }
        }
        return Optional.empty();
    }

    /** A TaskFailure on an executor, its outcome and reason in the message. */
    static final class RelayedFailure extends RuntimeException {
        static final Pattern TEXT =
                Pattern.compile(
                        Pattern.quote(RelayedFailure.class.getName())
                                + ": \\[(\\w+)/(\\w+)\\] ([^\\n]*)");

        RelayedFailure(TaskFailure f) {
            super("[" + f.outcome().name() + "/" + f.reason() + "] " + f.getMessage());
        }
    }
}
