package io.mlcycle.trainer;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;

/** The trainer runtime: not implemented yet, so it refuses every task with a clear error. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(
                RuntimeMain.run(
                        args,
                        task -> {
                            throw TaskFailure.invalid(
                                    "NotImplemented",
                                    "the trainer runtime is not implemented yet (task kind "
                                            + task.getClass().getSimpleName()
                                            + ")");
                        }));
    }
}
