package io.mlcycle.trainer;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TrainTask;

import java.io.IOException;

/** The trainer runtime: runs one {@link TrainTask} and reports its summary. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(
                RuntimeMain.run(
                        args,
                        task -> {
                            if (!(task instanceof TrainTask t)) {
                                throw TaskFailure.invalid(
                                        "WrongTaskKind",
                                        "the trainer runs TrainTask, not "
                                                + task.getClass().getSimpleName());
                            }
                            try {
                                return Trainer.run(t);
                            } catch (IOException e) {
                                throw new TaskFailure(
                                        Summary.Outcome.Failed, "IOError", e.toString());
                            }
                        }));
    }
}
