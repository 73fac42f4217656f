package io.mlcycle.common;

import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * The shared entry point of every runtime: {@code --task <file>} (or the {@code MLCYCLE_TASK}
 * environment variable) in, the summary JSON out to {@code --result <file>} (default the
 * termination log when it exists) and stdout, the outcome's exit code.
 */
public final class RuntimeMain {

    private RuntimeMain() {}

    /** Runs a task handler; call from a runtime's {@code main} and exit with the result. */
    public static int run(String[] args, Function<Task, Summary> handler) {
        return run(args, System.getenv(), handler, System.out, System.err);
    }

    static int run(
            String[] args,
            Map<String, String> env,
            Function<Task, Summary> handler,
            PrintStream out,
            PrintStream err) {
        String taskFile = null;
        String resultFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--task" -> taskFile = value(args, ++i, "--task");
                case "--result" -> resultFile = value(args, ++i, "--result");
                default -> {
                    return report(
                            Summary.failure(
                                    Summary.Outcome.Invalid,
                                    "InvalidArguments",
                                    "unknown argument '"
                                            + args[i]
                                            + "'; usage: --task <task.json> [--result <file>]"),
                            resultFile,
                            out,
                            err);
                }
            }
        }
        if (resultFile == null && Files.isWritable(Path.of(TaskJson.TERMINATION_LOG))) {
            resultFile = TaskJson.TERMINATION_LOG;
        }
        Summary summary;
        try {
            String json;
            if (taskFile != null) {
                json = Files.readString(Path.of(taskFile), StandardCharsets.UTF_8);
            } else if (env.get(TaskJson.TASK_ENV) != null) {
                json = env.get(TaskJson.TASK_ENV);
            } else {
                throw TaskFailure.invalid(
                        "MissingTask",
                        "no task given: pass --task <task.json> or set " + TaskJson.TASK_ENV);
            }
            summary = handler.apply(TaskJson.readTask(json));
        } catch (TaskFailure f) {
            summary =
                    new Summary(
                            f.outcome(),
                            f.reason(),
                            f.getMessage(),
                            null,
                            null,
                            f.details() == null ? null : Map.of("details", f.details()));
        } catch (TaskJson.UnsupportedContractException e) {
            summary =
                    Summary.failure(
                            Summary.Outcome.Invalid, "UnsupportedTaskContract", e.getMessage());
        } catch (IllegalArgumentException e) {
            summary = Summary.failure(Summary.Outcome.Invalid, "InvalidTask", e.getMessage());
        } catch (IOException e) {
            summary = Summary.failure(Summary.Outcome.Failed, "IOError", e.toString());
        } catch (RuntimeException | OutOfMemoryError e) {
            e.printStackTrace(err);
            summary = Summary.failure(Summary.Outcome.Failed, "InternalError", e.toString());
        }
        return report(summary, resultFile, out, err);
    }

    private static int report(
            Summary summary, String resultFile, PrintStream out, PrintStream err) {
        String json = TaskJson.writeSummary(summary);
        out.println(json);
        if (resultFile != null) {
            try {
                Files.writeString(Path.of(resultFile), json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("cannot write result to " + resultFile + ": " + e);
            }
        }
        return summary.outcome().exitCode();
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
