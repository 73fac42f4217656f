package io.mlcycle.pivot;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;

import java.io.IOException;

/** The pivot runtime: runs one {@link PivotTask} and reports its summary. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(RuntimeMain.run(args, Main::handle));
    }

    static Summary handle(Task task) {
        if (!(task instanceof PivotTask pivot)) {
            throw TaskFailure.invalid(
                    "WrongTaskKind",
                    "the pivot runtime runs pivot tasks, not " + task.getClass().getSimpleName());
        }
        try {
            return new PivotRunner(System::getenv).run(pivot);
        } catch (IOException e) {
            throw new TaskFailure(Summary.Outcome.Failed, "IOError", e.getMessage());
        }
    }
}
